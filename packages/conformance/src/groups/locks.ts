import { check, describeValue } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import { expectAliveLateInLife, LATE_TTL_MS } from '../timing.js';
import {
  heldLockCase,
  LONG_LOCK_MS,
  mustAcquire,
  mustAcquireAndRelease,
  mustNotAcquire,
  mustResolve,
  SHORT_LOCK_MS,
  tokenBits,
  waitForLockExpiry,
} from './lock-helpers.js';
import { lockWaitingCases } from './lock-waiting-cases.js';

/** Section G: token locks (capability 'lock'). */
export const locksGroup: ConformanceGroup = {
  name: 'locks',
  capability: 'lock',
  description: 'exclusive, expiring, token-checked locks apart from data keys',
  cases: [
    {
      name: "the backend implements the claimed 'lock' capability (acquireLock)",
      why: 'a claimed capability with missing methods fails here by name',
      run: async (h) => {
        await h.createWith('lock');
      },
    },
    heldLockCase(
      'a free key is acquired; a second acquire with waitMs 0 gets nothing; after release it succeeds',
      "the lock's core promise: exclusive while held, free after release",
      LONG_LOCK_MS,
      async ({ backend, lock }) => {
        check(
          lock.key === 'job',
          'lock.key must be the key that was locked',
          `got ${describeValue(lock.key)}`,
        );
        check(
          typeof lock.release === 'function' && typeof lock.extend === 'function',
          'a Lock must have release() and extend()',
          'one is missing',
        );
        await mustNotAcquire(backend, 'job', 'a held lock must not be acquired again');
        await mustResolve(lock.release(), true, 'release by the holder must resolve true');
        await mustAcquireAndRelease(backend, 'job', 'a released lock must be acquirable again');
      },
    ),
    heldLockCase(
      'acquireLock without waitMs makes one try and resolves undefined promptly',
      'waitMs defaults to 0; catches backends that wait (or spin) by default',
      LONG_LOCK_MS,
      async ({ backend, lock }, h) => {
        const started = performance.now();
        const second = await backend.acquireLock('job', { ttlMs: 1000 });
        const elapsed = performance.now() - started;
        check(second === undefined, 'a held lock must not be acquired again', 'it was');
        check(
          elapsed < 1000 + h.slackMs,
          'waitMs defaults to 0 (one try)',
          `the call took ${Math.round(elapsed)} ms`,
        );
        await lock.release();
      },
    ),
    {
      name: 'locks on different keys are independent',
      why: 'catches one global lock behind per-key locks',
      run: async (h) => {
        const backend = await h.createWith('lock');
        const a = await mustAcquire(backend, 'a', LONG_LOCK_MS, 'lock a must be acquired');
        const b = await mustAcquire(
          backend,
          'b',
          LONG_LOCK_MS,
          'holding lock a must not block lock b',
        );
        await a.release();
        await b.release();
      },
    },
    {
      name: 'a lock is still held late in its ttl (70%), and so after extend: it never expires early',
      why: 'the expiry cases check that a lock is free after its ttl, so a lock that lapses at half its ttl (or an extend that sets half) passed them, letting two holders in',
      run: async (h) => {
        const backend = await h.createWith('lock');
        const started = performance.now();
        const lock = await mustAcquire(backend, 'job', LATE_TTL_MS, 'a free lock must be acquired');
        await expectAliveLateInLife(
          async () => {
            const other = await backend.acquireLock('job', { ttlMs: LONG_LOCK_MS, waitMs: 0 });
            await other?.release();
            return other === undefined;
          },
          started,
          LATE_TTL_MS,
          'a lock must stay held until its ttl has passed',
        );
        const extended = performance.now();
        check(
          (await lock.extend(LATE_TTL_MS)) === true,
          'extend by the holder must resolve true',
          'it did not',
        );
        await expectAliveLateInLife(
          async () => {
            const other = await backend.acquireLock('job', { ttlMs: LONG_LOCK_MS, waitMs: 0 });
            await other?.release();
            return other === undefined;
          },
          extended,
          LATE_TTL_MS,
          'an extended lock must stay held until the new ttl has passed',
        );
        await lock.release();
      },
    },
    {
      name: 'tokens have at least 128 random bits and are unique',
      why: 'a guessable or repeated token lets another caller release or extend the lock',
      run: async (h) => {
        const backend = await h.createWith('lock');
        const tokens = new Set<string>();
        for (let i = 0; i < 40; i++) {
          const lock = await mustAcquire(
            backend,
            i % 2 === 0 ? 'same' : `key-${i}`,
            LONG_LOCK_MS,
            'a free lock must be acquired',
          );
          check(
            typeof lock.token === 'string',
            'lock.token must be a string',
            `got ${describeValue(lock.token)}`,
          );
          check(
            tokenBits(lock.token) >= 128,
            'lock tokens must carry at least 128 bits from a CSPRNG',
            `token ${describeValue(lock.token)} has about ${tokenBits(lock.token)} bits`,
          );
          check(
            !tokens.has(lock.token),
            'every acquisition must get a unique token',
            `token ${lock.token} repeated`,
          );
          tokens.add(lock.token);
          await lock.release();
        }
      },
    },
    heldLockCase(
      'a lock expires by itself after ttlMs',
      'catches locks that never expire (a crashed holder blocks forever)',
      SHORT_LOCK_MS,
      async ({ backend, acquiredAt }, h) => {
        await waitForLockExpiry(acquiredAt, h);
        await mustAcquireAndRelease(
          backend,
          'job',
          'a lock must expire by itself after ttlMs (a crashed holder frees it)',
        );
      },
    ),
    heldLockCase(
      'a stale handle cannot release or extend the lock of the new owner',
      'catches release or extend by key without comparing the token',
      SHORT_LOCK_MS,
      async ({ backend, lock: stale, acquiredAt }, h) => {
        await waitForLockExpiry(acquiredAt, h);
        const owner = await mustAcquire(
          backend,
          'job',
          LONG_LOCK_MS,
          'an expired lock must be acquirable',
        );
        await mustResolve(
          stale.extend(LONG_LOCK_MS),
          false,
          'extend by a stale handle must resolve false',
        );
        await mustResolve(
          stale.release(),
          false,
          'release by a stale handle must resolve false (token compare-and-delete)',
        );
        await mustNotAcquire(backend, 'job', 'a stale release must not free the new owner');
        await mustResolve(owner.release(), true, 'the new owner must still be able to release');
      },
    ),
    heldLockCase(
      'releasing twice: the second release resolves false',
      'catches releases that always answer true',
      LONG_LOCK_MS,
      async ({ lock }) => {
        await mustResolve(lock.release(), true, 'the first release must resolve true');
        await mustResolve(lock.release(), false, 'a second release must resolve false');
      },
    ),
    heldLockCase(
      'extend while owned resolves true and keeps the lock past its first ttl',
      'catches extends that do nothing or answer without extending',
      SHORT_LOCK_MS,
      async ({ backend, lock, acquiredAt }, h) => {
        await mustResolve(
          lock.extend(LONG_LOCK_MS),
          true,
          'extend by the holder must resolve true',
        );
        await waitForLockExpiry(acquiredAt, h);
        await mustNotAcquire(backend, 'job', 'an extended lock must outlive its first ttl');
        await mustResolve(lock.release(), true, 'release of an extended lock must resolve true');
      },
    ),
    heldLockCase(
      'extend after expiry resolves false even though the key is free, and does not take it',
      'catches extends that re-acquire a lapsed lock (SET without a token check)',
      SHORT_LOCK_MS,
      async ({ backend, lock, acquiredAt }, h) => {
        await waitForLockExpiry(acquiredAt, h);
        await mustResolve(
          lock.extend(LONG_LOCK_MS),
          false,
          'extend of an expired lock must resolve false',
        );
        await mustAcquireAndRelease(backend, 'job', 'a failed extend must not re-take the lock');
      },
    ),
    heldLockCase(
      'extend after release resolves false',
      'catches extends that ignore a release',
      LONG_LOCK_MS,
      async ({ backend, lock }) => {
        await lock.release();
        await mustResolve(
          lock.extend(LONG_LOCK_MS),
          false,
          'extend after release must resolve false',
        );
        await mustAcquireAndRelease(
          backend,
          'job',
          'extend after release must not re-take the lock',
        );
      },
    ),
    heldLockCase(
      '[Symbol.asyncDispose] releases the lock even when the body throws',
      '`await using lock` must release on every exit path',
      LONG_LOCK_MS,
      async ({ backend, lock }) => {
        check(
          typeof lock[Symbol.asyncDispose] === 'function',
          'a Lock must implement [Symbol.asyncDispose] (await using)',
          'it is missing',
        );
        const body = async () => {
          try {
            throw new Error('body failed');
          } finally {
            await lock[Symbol.asyncDispose]();
          }
        };
        await body().catch(() => undefined);
        const next = await mustAcquire(
          backend,
          'job',
          LONG_LOCK_MS,
          'leaving the scope must release the lock even if the body throws',
        );
        await mustResolve(lock.release(), false, 'release after dispose must resolve false');
        await next.release();
      },
    ),
    ...lockWaitingCases,
  ],
};
