import {
  type FuzzInputs,
  INVALID_KEYS,
  INVALID_LOCK_OPTIONS,
  INVALID_TTLS,
  INVALID_VALUES,
  NOT_ARRAYS,
  PREFIXES,
} from './fuzz-inputs.js';

/** One call of the sweep: the operation and inputs that return the bad argument. */
export interface SweepCall {
  operation: string;
  inputs: FuzzInputs;
}

const KEYED = ['get', 'set', 'delete', 'exists', 'getTtl', 'refreshTtl', 'acquireLock'];

/**
 * Every invalid input of the catalogue once on every method that takes it,
 * so each kind is tried whatever the seed (the random calls come after).
 * Only `operations` (what the backend claims) are included.
 * @internal
 */
export function sweepCalls(base: FuzzInputs, operations: readonly string[]): SweepCall[] {
  const calls: SweepCall[] = [];
  const add = (operation: string, overrides: Partial<FuzzInputs>): void => {
    if (operations.includes(operation))
      calls.push({ operation, inputs: { ...base, ...overrides } });
  };
  const one = (): Uint8Array => new Uint8Array([1]);
  const valid = { key: base.validKey, value: one, ttl: () => undefined };
  for (const bad of INVALID_KEYS) {
    for (const operation of KEYED) add(operation, { key: bad });
    add('getMany', { keyList: () => [base.validKey(), bad()] });
    add('deleteMany', { keyList: () => [base.validKey(), bad()] });
    add('setMany', {
      entryList: () => [
        { key: base.validKey(), value: one() },
        { key: bad(), value: one() },
      ],
    });
  }
  for (const bad of INVALID_VALUES) {
    add('set', { ...valid, value: bad });
    add('setMany', {
      entryList: () => [
        { key: base.validKey(), value: one() },
        { key: base.validKey(), value: bad() },
      ],
    });
  }
  for (const bad of INVALID_TTLS) {
    add('set', { ...valid, ttl: () => bad });
    add('refreshTtl', { key: base.validKey, requiredTtl: () => bad });
    add('acquireLock', { key: base.validKey, lockOptions: () => ({ ttlMs: bad }) });
    add('setMany', {
      entryList: () => [
        { key: base.validKey(), value: one() },
        { key: base.validKey(), value: one(), ttlMs: bad },
      ],
    });
  }
  for (const bad of INVALID_LOCK_OPTIONS) {
    add('acquireLock', { key: base.validKey, lockOptions: () => bad });
  }
  for (const bad of NOT_ARRAYS) {
    add('getMany', { keyList: () => bad });
    add('deleteMany', { keyList: () => bad });
    add('setMany', { entryList: () => bad });
  }
  for (const prefix of PREFIXES) add('keys', { prefix: () => prefix });
  return calls;
}
