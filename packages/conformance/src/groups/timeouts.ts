import { isBackendError } from '@cachestack/core';
import {
  check,
  describeError,
  describeValue,
  expectBackendError,
  expectBytes,
  loose,
  sleep,
  utf8,
  violation,
} from '../assertions.js';
import type { ConformanceCase, ConformanceGroup } from '../conformance-case.js';
import type { ResolvedConformanceOptions } from '../resolve-options.js';

/** The time limit used with slowDown, in ms. */
const LIMIT_MS = 150;
/** The delay slowDown adds, in ms: well above the limit. */
const DELAY_MS = 700;

const TIMEOUT = { type: 'TIMEOUT', code: 'TIMEOUT' } as const;

function needsSlowDown(options: ResolvedConformanceOptions): string | undefined {
  return options.faults.slowDown === undefined ? 'needs faults.slowDown' : undefined;
}

const slowCases: ConformanceCase[] = [
  {
    name: 'an operation slower than its limit rejects with TIMEOUT naming operation and key, within the limit plus slack',
    why: 'catches limits that are not enforced, enforced late, or reported as TRANSIENT',
    run: async (h) => {
      const backend = await h.createWith('timeout');
      await backend.set('a', utf8('A'));
      await h.slowDown(DELAY_MS);
      const started = performance.now();
      await expectBackendError(
        () => backend.withTimeout('get', LIMIT_MS, () => backend.get('a')),
        { ...TIMEOUT, operation: 'get', key: 'a' },
        'a get slower than its limit must reject with TIMEOUT naming get and the key',
      );
      const elapsed = performance.now() - started;
      check(
        elapsed >= LIMIT_MS - 10,
        'a TIMEOUT must not fire before the limit',
        `it fired after ${Math.round(elapsed)} ms (limit ${LIMIT_MS})`,
      );
      const bound = LIMIT_MS + 200 + 2 * h.slackMs;
      check(
        elapsed <= bound,
        'a TIMEOUT must fire soon after the limit',
        `it took ${Math.round(elapsed)} ms (bound ${bound})`,
      );
    },
  },
  {
    name: 'after a timeout the next operation gets its own reply, never the late one',
    why: 'pinned: a pipelined connection that does not drop the late reply hands it to the next caller',
    run: async (h) => {
      const backend = await h.createWith('timeout');
      await backend.set('a', utf8('value of a'));
      await backend.set('b', utf8('value of b'));
      await h.slowDown(DELAY_MS);
      await expectBackendError(
        () => backend.withTimeout('get', LIMIT_MS, () => backend.get('a')),
        TIMEOUT,
        'a slowed get must time out',
      );
      await h.restoreSpeed();
      expectBytes(
        await backend.get('b'),
        utf8('value of b'),
        'the next get after a timeout must return its own key, not the late reply',
      );
      await sleep(DELAY_MS + h.slackMs);
      expectBytes(
        await backend.get('a'),
        utf8('value of a'),
        'a later get must return its own key',
      );
      expectBytes(
        await backend.get('b'),
        utf8('value of b'),
        'replies must stay in step after a timeout',
      );
    },
  },
  {
    name: 'after a timed-out set the value is the old or the new one, never corrupt',
    why: 'catches a timed-out write that leaves a partial value behind',
    run: async (h) => {
      const backend = await h.createWith('timeout');
      const oldValue = utf8('old value');
      const newValue = Buffer.alloc(64 * 1024, 0x6e);
      await backend.set('k', oldValue);
      await h.slowDown(DELAY_MS);
      await expectBackendError(
        () => backend.withTimeout('set', LIMIT_MS, () => backend.set('k', newValue)),
        TIMEOUT,
        'a slowed set must time out',
      );
      await h.restoreSpeed();
      await sleep(DELAY_MS + h.slackMs);
      const got = await backend.get('k');
      const isOld = got !== undefined && Buffer.from(got).equals(oldValue);
      const isNew = got !== undefined && Buffer.from(got).equals(newValue);
      check(
        isOld || isNew,
        'after a timed-out set the value must be the old or the new one',
        `got ${describeValue(got)}`,
      );
    },
  },
  {
    name: 'a concurrent caller outside the scope is not limited',
    why: 'limits are scoped with AsyncLocalStorage; catches limits set on the whole backend',
    run: async (h) => {
      const backend = await h.createWith('timeout');
      await backend.set('a', utf8('A'));
      await backend.set('b', utf8('B'));
      await h.slowDown(Math.max(LIMIT_MS * 3, 500));
      const inside = backend.withTimeout('get', LIMIT_MS, () => backend.get('a'));
      const outside = backend.get('b');
      await expectBackendError(inside, TIMEOUT, 'the get inside the scope must time out');
      let got: Uint8Array | undefined;
      try {
        got = await outside;
      } catch (error) {
        violation(
          'a limit must not leak to callers outside the withTimeout scope (AsyncLocalStorage)',
          describeError(error),
        );
      }
      expectBytes(got, utf8('B'), 'the unscoped get must return its value');
    },
  },
  {
    name: "'*' limits every operation",
    why: "catches '*' treated as an unknown operation name",
    run: async (h) => {
      const backend = await h.createWith('timeout');
      await backend.set('k', utf8('v'));
      await h.slowDown(DELAY_MS);
      const calls: [string, () => Promise<unknown>][] = [
        ['exists', () => backend.exists('k')],
        ['set', () => backend.set('k', utf8('w'))],
        ['delete', () => backend.delete('k')],
      ];
      for (const [operation, call] of calls) {
        await expectBackendError(
          () => backend.withTimeout('*', LIMIT_MS, call),
          { ...TIMEOUT, operation, key: 'k' },
          `'*' must limit ${operation}`,
        );
      }
    },
  },
  {
    name: 'after timed-out get, set and delete, the same backend keeps working: 30 mixed operations give their own results and it is healthy',
    why: 'a timeout can leave a connection, transaction or lock half-used; a backend that fails or mixes up the operations after it (not only the very next one) passed the single follow-up read',
    run: async (h) => {
      const backend = await h.createWith('timeout');
      await backend.set('keep', utf8('kept'));
      await h.slowDown(DELAY_MS);
      await expectBackendError(
        () => backend.withTimeout('get', LIMIT_MS, () => backend.get('keep')),
        TIMEOUT,
        'a slowed get must time out',
      );
      await expectBackendError(
        () => backend.withTimeout('set', LIMIT_MS, () => backend.set('late', utf8('late'))),
        TIMEOUT,
        'a slowed set must time out',
      );
      await expectBackendError(
        () => backend.withTimeout('delete', LIMIT_MS, () => backend.delete('keep')),
        TIMEOUT,
        'a slowed delete must time out',
      );
      await h.restoreSpeed();
      await sleep(DELAY_MS + h.slackMs);
      for (let i = 0; i < 10; i++) {
        await backend.set(`after-${i}`, utf8(`value ${i}`));
        expectBytes(
          await backend.get(`after-${i}`),
          utf8(`value ${i}`),
          `operation ${i} after the timeouts must get its own reply`,
        );
        check(
          (await backend.delete(`after-${i}`)) === true,
          `delete ${i} after the timeouts must resolve true for a live key`,
          'it resolved false',
        );
      }
      const kept = await backend.get('keep');
      check(
        kept === undefined || Buffer.from(kept).toString('utf8') === 'kept',
        'after a timed-out delete the key must be kept or deleted, never changed',
        `got ${describeValue(kept)}`,
      );
      const health = await backend.healthCheck();
      check(
        health.healthy === true,
        'the backend must be healthy after its operations timed out',
        `healthCheck: ${describeValue(health)}`,
      );
    },
  },
  {
    name: 'a limit on one operation kind does not apply to another',
    why: 'catches limits that apply to every operation whatever their kind',
    run: async (h) => {
      const backend = await h.createWith('timeout');
      await backend.set('k', utf8('v'));
      await h.slowDown(Math.max(LIMIT_MS * 3, 500));
      let got: Uint8Array | undefined;
      try {
        got = await backend.withTimeout('set', LIMIT_MS, () => backend.get('k'));
      } catch (error) {
        violation("a 'set' limit must not apply to get", describeError(error));
      }
      expectBytes(got, utf8('v'), 'the get must return its value');
    },
  },
];

/** Section H: per-operation timeouts (capability 'timeout'). */
export const timeoutsGroup: ConformanceGroup = {
  name: 'timeouts',
  capability: 'timeout',
  description:
    'withTimeout scopes limits per operation kind; slow operations reject TIMEOUT and the connection stays in step',
  cases: [
    {
      name: "the backend implements the claimed 'timeout' capability (withTimeout)",
      why: 'a claimed capability with missing methods fails here by name',
      run: async (h) => {
        await h.createWith('timeout');
      },
    },
    {
      name: "withTimeout resolves fn's value (sync and async)",
      why: "catches wrappers that lose fn's result",
      run: async (h) => {
        const backend = await h.createWith('timeout');
        const sync = await backend.withTimeout('get', 5_000, () => 42);
        check(
          sync === 42,
          "withTimeout must resolve a sync fn's value",
          `got ${describeValue(sync)}`,
        );
        const asyncValue = await backend.withTimeout('*', 5_000, async () => 'done');
        check(
          asyncValue === 'done',
          "withTimeout must resolve an async fn's value",
          `got ${describeValue(asyncValue)}`,
        );
      },
    },
    {
      name: 'invalid timeouts (0, -1, NaN, Infinity, strings) reject with INVALID_TIMEOUT and do not run fn',
      why: "catches a timeout of 0 meaning 'no limit' and fn running anyway",
      run: async (h) => {
        const backend = await h.createWith('timeout');
        for (const timeout of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '100']) {
          let ran = false;
          await expectBackendError(
            () =>
              backend.withTimeout('get', loose(timeout), () => {
                ran = true;
              }),
            { type: 'PERMANENT', code: 'INVALID_TIMEOUT' },
            `withTimeout with ${String(timeout)} ms must reject with PERMANENT INVALID_TIMEOUT`,
          );
          check(
            !ran,
            'withTimeout with an invalid timeout must not run fn',
            `fn ran for timeout ${String(timeout)}`,
          );
        }
      },
    },
    {
      name: 'fast operations inside a generous limit succeed',
      why: 'catches limits applied in the wrong unit (seconds as ms) or always firing',
      run: async (h) => {
        const backend = await h.createWith('timeout');
        await backend.withTimeout('*', 10_000, async () => {
          await backend.set('k', utf8('v'));
          expectBytes(
            await backend.get('k'),
            utf8('v'),
            'a fast get within its limit must succeed',
          );
          check(
            await backend.exists('k'),
            'a fast exists within its limit must succeed',
            'exists was false',
          );
          check(
            (await backend.delete('k')) === true,
            'a fast delete within its limit must succeed',
            'delete was false',
          );
        });
        const outcome = await backend
          .withTimeout('get', 10_000, () => backend.get('k'))
          .catch((error: unknown) => error);
        check(
          !isBackendError(outcome),
          'a fast get within its limit must not reject',
          describeError(outcome),
        );
      },
    },
    ...slowCases.map((entry) => ({ ...entry, skip: needsSlowDown })),
  ],
};
