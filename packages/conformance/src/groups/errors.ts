import type { BackendWith, BaseBackend, CapabilityName } from '@cachestack/core';
import { check, expectBackendError, expectBytes, loose, utf8, violation } from '../assertions.js';
import type { ConformanceCase, ConformanceGroup } from '../conformance-case.js';
import { fuzzBackend } from '../fuzz/fuzz-backend.js';
import type { ConformanceHarness } from '../harness.js';

const KEY = { type: 'PERMANENT', code: 'INVALID_KEY' } as const;
const TTL = { type: 'PERMANENT', code: 'INVALID_TTL' } as const;
const VALUE = { type: 'PERMANENT', code: 'INVALID_VALUE' } as const;
const ARGUMENT = { type: 'PERMANENT', code: 'INVALID_ARGUMENT' } as const;
const PERMANENT = { type: 'PERMANENT' } as const;
const FUZZ_SEED = 22;
const FUZZ_CALLS = 400;

function claimed(capability: CapabilityName) {
  return (options: { capabilities: readonly CapabilityName[] }) =>
    options.capabilities.includes(capability)
      ? undefined
      : `'${capability}' not claimed by this backend`;
}

async function seeded<C extends CapabilityName>(
  h: ConformanceHarness,
  capability: C,
): Promise<BackendWith<C>> {
  const backend = await h.createWith(capability);
  await backend.set('k', utf8('old'));
  return backend;
}

async function expectUnchanged(backend: BaseBackend, rule: string): Promise<void> {
  expectBytes(await backend.get('k'), utf8('old'), rule);
}

const cases: ConformanceCase[] = [
  {
    name: 'base methods: errors carry type, code, operation and key',
    why: 'callers branch on type and code and log operation and key; catches errors missing any of them',
    run: async (h) => {
      const backend = await h.create();
      await backend.set('k', utf8('old'));
      await expectBackendError(
        () => backend.get(''),
        { ...KEY, operation: 'get', key: '' },
        'get(""): INVALID_KEY naming operation get and the key',
      );
      await expectBackendError(
        () => backend.set('k', loose(undefined)),
        { ...VALUE, operation: 'set', key: 'k' },
        'set without a value: INVALID_VALUE naming set and the key',
      );
      await expectBackendError(
        () => backend.set('k', utf8('new'), -5),
        { ...TTL, operation: 'set', key: 'k' },
        'set with ttl -5: INVALID_TTL naming set and the key',
      );
      await expectBackendError(
        () => backend.exists('\uD800'),
        { ...KEY, operation: 'exists', key: '\uD800' },
        'exists of a lone surrogate: INVALID_KEY naming exists and the key',
      );
      await expectBackendError(
        () => backend.delete(loose(7)),
        { ...KEY, operation: 'delete' },
        'delete(7): INVALID_KEY naming delete',
      );
      await expectUnchanged(backend, 'invalid input must change nothing');
    },
  },
  {
    name: 'ttl methods: invalid keys and ttls are rejected and change nothing',
    why: 'getTtl and refreshTtl validate on their own paths; catches a refresh that applies a bad ttl',
    skip: claimed('ttl'),
    run: async (h) => {
      const backend = await seeded(h, 'ttl');
      await expectBackendError(
        () => backend.getTtl(''),
        { ...KEY, operation: 'getTtl' },
        'getTtl(""): INVALID_KEY naming getTtl',
      );
      await expectBackendError(() => backend.getTtl(loose(1)), KEY, 'getTtl(1): INVALID_KEY');
      await expectBackendError(
        () => backend.refreshTtl('', 1000),
        { ...KEY, operation: 'refreshTtl' },
        'refreshTtl(""): INVALID_KEY naming refreshTtl',
      );
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, undefined, '100']) {
        await expectBackendError(
          () => backend.refreshTtl('k', loose(ttl)),
          { ...TTL, operation: 'refreshTtl', key: 'k' },
          `refreshTtl with ttl ${String(ttl)}: INVALID_TTL naming refreshTtl and the key`,
        );
      }
      await expectUnchanged(backend, 'invalid refreshTtl calls must change nothing');
      const remaining = await backend.getTtl('k');
      check(
        remaining === Number.POSITIVE_INFINITY,
        'a rejected refreshTtl must keep the old expiry (none)',
        `getTtl returned ${String(remaining)}`,
      );
    },
  },
  {
    name: 'lock methods: invalid key, ttlMs, waitMs and options are rejected',
    why: 'catches locks taken with a bad ttl (forever) or a bad wait (spin)',
    skip: claimed('lock'),
    run: async (h) => {
      const backend = await seeded(h, 'lock');
      await expectBackendError(
        () => backend.acquireLock('', { ttlMs: 1000 }),
        { ...KEY, operation: 'acquireLock' },
        'acquireLock(""): INVALID_KEY naming acquireLock',
      );
      await expectBackendError(
        () => backend.acquireLock(loose(3), { ttlMs: 1000 }),
        KEY,
        'acquireLock(3): INVALID_KEY',
      );
      for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, undefined, '1000']) {
        await expectBackendError(
          () => backend.acquireLock('l', { ttlMs: loose(ttlMs) }),
          { ...TTL, operation: 'acquireLock' },
          `acquireLock with ttlMs ${String(ttlMs)}: INVALID_TTL naming acquireLock`,
        );
      }
      for (const waitMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
        await expectBackendError(
          () => backend.acquireLock('l', { ttlMs: 1000, waitMs: loose(waitMs) }),
          { ...ARGUMENT, operation: 'acquireLock' },
          `acquireLock with waitMs ${String(waitMs)}: PERMANENT INVALID_ARGUMENT naming acquireLock`,
        );
      }
      await expectBackendError(
        () => backend.acquireLock('l', loose(undefined)),
        PERMANENT,
        'acquireLock without options: PERMANENT',
      );
      const lock = await backend.acquireLock('l', { ttlMs: 5000 });
      if (lock === undefined) {
        violation(
          'rejected acquireLock calls must not take the lock',
          'a valid acquire afterwards got nothing',
        );
      }
      for (const ttl of [0, -1, Number.NaN]) {
        await expectBackendError(
          () => lock.extend(ttl),
          { ...TTL, operation: 'extendLock' },
          `extend(${ttl}): INVALID_TTL naming extendLock`,
        );
      }
      await lock.release();
      await expectUnchanged(backend, 'invalid lock calls must not touch data');
    },
  },
  {
    name: 'batch methods: non-arrays, bad keys, values and ttls are rejected and change nothing',
    why: 'catches batches that write the valid entries before finding the bad one',
    skip: claimed('batch'),
    run: async (h) => {
      const backend = await seeded(h, 'batch');
      await expectBackendError(
        () => backend.getMany(loose('k')),
        { ...ARGUMENT, operation: 'getMany' },
        'getMany("k"): INVALID_ARGUMENT naming getMany',
      );
      await expectBackendError(
        () => backend.getMany(['k', '']),
        { ...KEY, operation: 'getMany' },
        'getMany with an empty key: INVALID_KEY naming getMany',
      );
      await expectBackendError(
        () => backend.setMany(loose(undefined)),
        { ...ARGUMENT, operation: 'setMany' },
        'setMany(undefined): INVALID_ARGUMENT naming setMany',
      );
      await expectBackendError(
        () =>
          backend.setMany([
            { key: 'k', value: utf8('new') },
            { key: '', value: utf8('x') },
          ]),
        { ...KEY, operation: 'setMany' },
        'setMany with an empty key: INVALID_KEY naming setMany',
      );
      await expectBackendError(
        () =>
          backend.setMany([
            { key: 'k', value: utf8('new') },
            { key: 'b', value: loose('text') },
          ]),
        { ...VALUE, operation: 'setMany' },
        'setMany with a string value: INVALID_VALUE naming setMany',
      );
      await expectBackendError(
        () =>
          backend.setMany([
            { key: 'k', value: utf8('new') },
            { key: 'b', value: utf8('x'), ttlMs: 0 },
          ]),
        { ...TTL, operation: 'setMany' },
        'setMany with ttlMs 0: INVALID_TTL naming setMany',
      );
      await expectBackendError(
        () => backend.setMany(loose([null])),
        { type: 'PERMANENT', operation: 'setMany' },
        'setMany([null]): PERMANENT naming setMany',
      );
      await expectBackendError(
        () => backend.deleteMany(loose(null)),
        { ...ARGUMENT, operation: 'deleteMany' },
        'deleteMany(null): INVALID_ARGUMENT naming deleteMany',
      );
      await expectBackendError(
        () => backend.deleteMany(['k', loose(5)]),
        { ...KEY, operation: 'deleteMany' },
        'deleteMany with key 5: INVALID_KEY naming deleteMany',
      );
      await expectUnchanged(
        backend,
        'rejected batch calls must change nothing (validate every entry first)',
      );
    },
  },
  {
    name: `a seeded fuzz of ${FUZZ_CALLS} random calls: every rejection is a classified BackendError and rejected calls change nothing`,
    why: 'hand-picked inputs miss combinations; the fuzz tries the invalid-input catalogue on every claimed method and finds raw, UNKNOWN or synchronous errors',
    run: async (h) => {
      const backend = await h.create();
      const report = await fuzzBackend(backend, {
        seed: FUZZ_SEED,
        calls: FUZZ_CALLS,
        capabilities: h.options.capabilities,
        maxValueBytes: h.options.maxValueBytes,
        largeValueBytes: 64 * 1024,
      });
      const [first] = report.issues;
      if (first !== undefined) {
        violation(
          first.problem,
          `fuzz seed ${report.seed}, call ${first.call}: ${first.operation}(${first.input}) → ${first.outcome}` +
            (report.issues.length > 1 ? ` (and ${report.issues.length - 1} more issues)` : ''),
        );
      }
    },
  },
];

/** Section I: only BackendError escapes, with its fields, and invalid input changes nothing. */
export const errorsGroup: ConformanceGroup = {
  name: 'errors',
  description:
    'invalid input on every method rejects with a PERMANENT BackendError naming operation and key',
  cases,
};
