import { check, expectBytes, sleep, utf8, violation } from '../assertions.js';
import type { ConformanceCase } from '../conformance-case.js';
import {
  heldLockCase,
  LONG_LOCK_MS,
  type Locking,
  mustAcquire,
  mustAcquireAndRelease,
  mustNotAcquire,
  mustResolve,
  SHORT_LOCK_MS,
} from './lock-helpers.js';

/** Lock cases about waiting, data-key separation, mutual exclusion under load and shared stores. */
export const lockWaitingCases: ConformanceCase[] = [
  heldLockCase(
    'waitMs is honoured: a waiter gets the lock once the holder releases mid-wait',
    'catches waits that try once, or poll too rarely to see a release',
    LONG_LOCK_MS,
    async ({ backend, lock: holder }) => {
      const started = performance.now();
      const waiting = backend.acquireLock('job', { ttlMs: LONG_LOCK_MS, waitMs: 5_000 });
      await sleep(150);
      await holder.release();
      const lock = await waiting;
      const elapsed = performance.now() - started;
      if (lock === undefined)
        violation(
          'a waiter must get the lock when the holder releases within waitMs',
          'it resolved undefined',
        );
      check(
        elapsed >= 140,
        'a waiter must not get a held lock before it is released',
        `it got it after ${Math.round(elapsed)} ms`,
      );
      await lock.release();
    },
  ),
  heldLockCase(
    'waitMs is honoured: a waiter gets the lock once the holder expires mid-wait',
    'catches waits that only watch for releases, not for expiry',
    SHORT_LOCK_MS,
    async ({ backend }) => {
      const lock = await backend.acquireLock('job', { ttlMs: LONG_LOCK_MS, waitMs: 5_000 });
      if (lock === undefined)
        violation(
          'a waiter must get the lock when the holder expires within waitMs',
          'it resolved undefined',
        );
      await lock.release();
    },
  ),
  heldLockCase(
    'waitMs is honoured: a waiter gives up not before waitMs and not much after',
    'catches waits that give up at once or overrun',
    LONG_LOCK_MS,
    async ({ backend, lock: holder }, h) => {
      const waitMs = 300;
      const started = performance.now();
      const lock = await backend.acquireLock('job', { ttlMs: LONG_LOCK_MS, waitMs });
      const elapsed = performance.now() - started;
      check(lock === undefined, 'a held lock must not be acquired within waitMs', 'it was');
      check(
        elapsed >= waitMs - 10,
        'acquireLock must not give up before waitMs',
        `it gave up after ${Math.round(elapsed)} ms`,
      );
      const bound = waitMs + 300 + 4 * h.slackMs;
      check(
        elapsed <= bound,
        'acquireLock must give up soon after waitMs',
        `it took ${Math.round(elapsed)} ms (bound ${bound})`,
      );
      await holder.release();
    },
  ),
  heldLockCase(
    'lock keys are invisible to get, exists and delete, and a data key does not block a lock',
    'catches locks stored under the data key itself',
    LONG_LOCK_MS,
    async ({ backend, lock }) => {
      check(
        (await backend.get('job')) === undefined,
        'a lock must be invisible to get',
        'get returned a value',
      );
      check(
        (await backend.exists('job')) === false,
        'a lock must be invisible to exists',
        'exists returned true',
      );
      check(
        (await backend.delete('job')) === false,
        'delete must not see (or remove) a lock',
        'delete returned true',
      );
      await mustNotAcquire(backend, 'job', 'delete of the data key must not free the lock');
      await backend.set('job', utf8('data'));
      expectBytes(
        await backend.get('job'),
        utf8('data'),
        'a data key may share its name with a held lock',
      );
      await lock.release();
      expectBytes(
        await backend.get('job'),
        utf8('data'),
        'releasing a lock must not touch the data key of the same name',
      );
      await backend.set('data-first', utf8('d'));
      await mustAcquireAndRelease(
        backend,
        'data-first',
        'a data key must not block a lock of the same name',
      );
      expectBytes(
        await backend.get('data-first'),
        utf8('d'),
        'acquiring and releasing a lock must keep the data key',
      );
    },
  ),
  heldLockCase(
    'a fencingToken, when exposed, grows with every acquisition',
    'a fencing token is only useful if it grows; catches random or repeated ones',
    LONG_LOCK_MS,
    async ({ backend, lock: first }) => {
      await first.release();
      const second = await mustAcquire(
        backend,
        'job',
        LONG_LOCK_MS,
        'a released lock must be acquirable',
      );
      await second.release();
      if (first.fencingToken === undefined) return;
      check(
        typeof second.fencingToken === 'number' && second.fencingToken > first.fencingToken,
        'fencingToken must grow with every acquisition',
        `${first.fencingToken} then ${String(second.fencingToken)}`,
      );
    },
  ),
  {
    name: '4 workers x 10 locked read-modify-write increments give exactly 40',
    why: 'mutual exclusion under real contention; catches check-then-set acquisitions',
    run: async (h) => {
      const workers = await Promise.all(
        Array.from({ length: 4 }, () => (h.options.sharedStore ? h.createWith('lock') : undefined)),
      );
      const shared = await h.createWith('lock');
      await shared.set('counter', utf8('0'));
      const work = async (backend: Locking) => {
        for (let i = 0; i < 10; i++) {
          const lock = await mustAcquire(
            backend,
            'counter-lock',
            10_000,
            'a worker must get the lock within waitMs',
            20_000,
          );
          const current = Number(
            Buffer.from((await backend.get('counter')) ?? utf8('NaN')).toString(),
          );
          await sleep(1);
          await backend.set('counter', utf8(String(current + 1)));
          check(
            (await lock.release()) === true,
            'a worker must release its own lock',
            'release resolved false',
          );
        }
      };
      await Promise.all(workers.map((backend) => work(backend ?? shared)));
      const total = Buffer.from((await shared.get('counter')) ?? new Uint8Array()).toString();
      check(
        total === '40',
        'locked increments must not be lost (mutual exclusion)',
        `the counter is ${total}, expected 40`,
      );
    },
  },
  {
    name: 'a lock held through instance A blocks instance B on the same store',
    why: "catches locks kept in one instance's memory where the store is shared",
    skip: (o) => (o.sharedStore ? undefined : 'sharedStore is false'),
    run: async (h) => {
      const a = await h.createWith('lock');
      const b = await h.createWith('lock');
      const lock = await mustAcquire(
        a,
        'job',
        LONG_LOCK_MS,
        'a free lock must be acquired through A',
      );
      await mustNotAcquire(b, 'job', 'a lock held through A must block B');
      await lock.release();
      const next = await mustAcquire(
        b,
        'job',
        LONG_LOCK_MS,
        'after A releases, B must get the lock',
      );
      await mustResolve(lock.release(), false, "A's old handle must not release B's lock");
      await mustNotAcquire(a, 'job', "B's lock must block A");
      await next.release();
    },
  },
];
