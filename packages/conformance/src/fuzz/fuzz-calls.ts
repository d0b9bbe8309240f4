import {
  assertValidKey,
  assertValidKeys,
  assertValidPrefix,
  assertValidValue,
  BackendErrorType,
  type BaseBackend,
  type CapabilityName,
  hasCapability,
  isBackendError,
  type Lock,
  normalizeBatchEntries,
  normalizeLockOptions,
  normalizeRequiredTtl,
  normalizeTtl,
  TIMEOUT_OPERATIONS,
} from '@cachestack/core';
import type { FuzzInputs } from './fuzz-inputs.js';
import type { FuzzModel } from './fuzz-model.js';

// The random calls of one fuzz run and how their outcomes are judged (see fuzz-backend.ts).

/** What {@link planCall} needs to know about the backend. */
export interface CallPlanOptions {
  /** The capabilities the backend claims. */
  capabilities: readonly CapabilityName[];
  /** The backend's largest value, in bytes. */
  maxValueBytes?: number | undefined;
}

/** One planned call. @internal */
export interface Call {
  operation: string;
  args: unknown[];
  /** True when the contract says the call must resolve. */
  valid: boolean;
  /** Valid keys the call could touch, checked against the model after a rejection. */
  touched: string[];
  run: () => unknown;
  /** Checks a resolved result and updates the model; returns a problem or undefined. */
  resolved: (result: unknown) => Promise<string | undefined> | string | undefined;
}

/** From this TTL (ms) up, an entry outlives any fuzz run, so the model keeps predicting it. */
const LONG_TTL_MS = 600_000;
/** Below this lock ttl (ms), a store may report a slow acquisition as failed. */
const SHORT_LOCK_TTL_MS = 1_000;

function passes(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

/**
 * A copy of `value` when the contract accepts it, else `undefined`. Besides
 * core's rule, the kit checks on its own that the bytes can be read (a view
 * over a detached ArrayBuffer cannot), so the oracle does not share a bug
 * with the validation under test.
 */
function validValueCopy(value: unknown, maxBytes: number | undefined): Uint8Array | undefined {
  if (!passes(() => assertValidValue(value, 'set', 'k', maxBytes))) return undefined;
  try {
    const view = value as Uint8Array;
    new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    return Uint8Array.from(view);
  } catch {
    return undefined;
  }
}

/** The valid keys named in a key or entry list (never throws, whatever the list holds). */
function validKeysIn(list: unknown): string[] {
  const keys: string[] = [];
  try {
    if (!Array.isArray(list)) return keys;
    for (const item of list) {
      try {
        const key =
          typeof item === 'object' && item !== null ? (item as { key?: unknown }).key : item;
        if (passes(() => assertValidKey(key, 'fuzz'))) keys.push(key as string);
      } catch {
        // An item that throws when read names no key.
      }
    }
  } catch {
    // A list that throws when read names no key.
  }
  return keys;
}

function isLong(ttl: number | undefined): boolean {
  return ttl === undefined || ttl >= LONG_TTL_MS;
}

/** The methods fuzzed on `backend`: the base ones and those of each claimed capability. @internal */
export function claimedOperations(backend: BaseBackend, options: CallPlanOptions): string[] {
  const claims = (name: CapabilityName): boolean =>
    options.capabilities.includes(name) && hasCapability(backend, name);
  const operations = ['get', 'set', 'delete', 'exists', 'healthCheck'];
  if (claims('ttl')) operations.push('getTtl', 'refreshTtl');
  if (claims('lock')) operations.push('acquireLock');
  if (claims('batch')) operations.push('getMany', 'setMany', 'deleteMany');
  if (claims('keys')) operations.push('keys');
  if (claims('timeout')) operations.push('withTimeout');
  if (claims('clear')) operations.push('clear');
  return operations;
}

/** Random weights: sets twice as often; `healthCheck` and `clear` rarely. */
function pickOperation(inputs: FuzzInputs, operations: readonly string[]): string {
  if (inputs.chance(0.01)) return 'healthCheck';
  if (operations.includes('clear') && inputs.chance(0.01)) return 'clear';
  const common = operations.filter((name) => name !== 'healthCheck' && name !== 'clear');
  if (operations.includes('setMany')) common.push('setMany');
  return inputs.pick([...common, 'set']);
}

/**
 * Plans one call of `operation` (random among `operations` when not given)
 * with arguments from `inputs`. @internal
 */
export function planCall(
  backend: BaseBackend,
  inputs: FuzzInputs,
  model: FuzzModel,
  options: CallPlanOptions & { operations: readonly string[]; operation?: string | undefined },
): Call {
  const max = options.maxValueBytes;
  const b = backend as BaseBackend & Record<string, (...args: unknown[]) => unknown>;
  const operation = options.operation ?? pickOperation(inputs, options.operations);
  const key = inputs.key();
  const keyOk = passes(() => assertValidKey(key, operation));
  const touched = keyOk ? [key as string] : [];
  const call = (args: unknown[], valid: boolean, resolved: Call['resolved']): Call => ({
    operation,
    args,
    valid,
    touched,
    run: () => b[operation]?.(...args),
    resolved,
  });

  switch (operation) {
    case 'get':
      return call([key], keyOk, (result) => model.checkValue(key as string, result, 'get'));
    case 'exists':
      return call([key], keyOk, (result) => model.checkExists(key as string, result));
    case 'getTtl':
      return call([key], keyOk, (result) => model.checkTtl(key as string, result));
    case 'delete':
      return call([key], keyOk, (result) => model.applyDelete(key as string, result));
    case 'set': {
      const value = inputs.value();
      const ttl = inputs.ttl();
      const args = ttl === undefined && inputs.chance(0.5) ? [key, value] : [key, value, ttl];
      const copy = validValueCopy(value, max);
      const valid = keyOk && copy !== undefined && passes(() => normalizeTtl(ttl, 'set'));
      return call(args, valid, () => {
        model.applySet(key as string, copy as Uint8Array, isLong(normalizeTtl(ttl, 'set')));
        return undefined;
      });
    }
    case 'refreshTtl': {
      const ttl = inputs.requiredTtl();
      const valid = keyOk && passes(() => normalizeRequiredTtl(ttl, 'refreshTtl'));
      return call([key, ttl], valid, (result) =>
        model.applyRefresh(key as string, result, isLong(normalizeRequiredTtl(ttl, 'refreshTtl'))),
      );
    }
    case 'acquireLock': {
      const lockOptions = inputs.lockOptions();
      const valid = keyOk && passes(() => normalizeLockOptions(lockOptions, 'k'));
      return call([key, lockOptions], valid, async (result) => {
        if (result === undefined) {
          // A store may count an acquisition that took the whole ttl as failed.
          const { ttlMs } = normalizeLockOptions(lockOptions, 'k');
          return ttlMs < SHORT_LOCK_TTL_MS
            ? undefined
            : 'acquireLock got no lock although nobody held it';
        }
        const lock = result as Lock;
        const ttl = inputs.requiredTtl();
        const extendValid = passes(() => normalizeRequiredTtl(ttl, 'extendLock'));
        const extended = await settle(() => lock.extend(ttl as number));
        const problem = classifyOutcome(extended, extendValid);
        const released = await settle(() => lock.release());
        return problem ?? classifyOutcome(released, true);
      });
    }
    case 'getMany': {
      const list = inputs.keyList();
      const valid = passes(() => assertValidKeys(list, 'getMany'));
      touched.splice(0, touched.length, ...validKeysIn(list));
      return call([list], valid, (result) => model.checkMany(list as string[], result));
    }
    case 'deleteMany': {
      const list = inputs.keyList();
      const valid = passes(() => assertValidKeys(list, 'deleteMany'));
      touched.splice(0, touched.length, ...validKeysIn(list));
      return call([list], valid, (result) => model.applyDeleteMany(list as string[], result));
    }
    case 'setMany': {
      const list = inputs.entryList();
      let normalized: ReturnType<typeof normalizeBatchEntries> | undefined;
      try {
        normalized = normalizeBatchEntries(list, 'setMany', max).map((entry) => {
          const value = validValueCopy(entry.value, max);
          if (value === undefined) throw new TypeError('not a value');
          return { ...entry, value };
        });
      } catch {
        normalized = undefined;
      }
      touched.splice(0, touched.length, ...validKeysIn(list));
      return call([list], normalized !== undefined, () => {
        for (const entry of normalized ?? []) {
          model.applySet(entry.key, entry.value, isLong(entry.ttlMs));
        }
        return undefined;
      });
    }
    case 'keys': {
      const prefix = inputs.prefix();
      const valid = passes(() => assertValidPrefix(prefix));
      const args = prefix === undefined && inputs.chance(0.5) ? [] : [prefix];
      return {
        ...call(args, valid, (result) => model.checkKeys(prefix as string | undefined, result)),
        run: async () => {
          const listed: unknown[] = [];
          const iterable = (b.keys as (...args: unknown[]) => AsyncIterable<unknown>)(...args);
          for await (const listedKey of iterable) {
            listed.push(listedKey);
          }
          return listed;
        },
      };
    }
    case 'withTimeout': {
      const timeoutOperation = inputs.pick<unknown>(['get', '*', 'set', 'bogus', 5, 10n]);
      const timeoutMs = inputs.pick<unknown>([
        10_000,
        2 ** 31,
        1e10,
        0,
        -1,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        '5',
      ]);
      const target = inputs.validKey();
      const fn = inputs.chance(0.95) ? () => backend.get(target) : 'not a function';
      const valid =
        typeof timeoutOperation === 'string' &&
        TIMEOUT_OPERATIONS.has(timeoutOperation) &&
        typeof timeoutMs === 'number' &&
        Number.isFinite(timeoutMs) &&
        timeoutMs > 0 &&
        typeof fn === 'function';
      return {
        ...call([timeoutOperation, timeoutMs, fn], valid, (result) =>
          model.checkValue(target, result, 'withTimeout(get)'),
        ),
        touched: [target],
      };
    }
    case 'healthCheck':
      return call([], true, (result) => {
        const status = result as { healthy?: unknown; latencyMs?: unknown } | undefined;
        return status?.healthy === true && typeof status.latencyMs === 'number'
          ? undefined
          : 'healthCheck must resolve { healthy: true, latencyMs } while nothing is wrong';
      });
    default:
      return call([], true, () => {
        model.applyClear();
        return undefined;
      });
  }
}

/** How a call ended. @internal */
export type Settled = { ok: true; value: unknown } | { ok: false; error: unknown; sync?: boolean };

/** Runs `run`, capturing a synchronous throw apart from a rejection. @internal */
export async function settle(run: () => unknown): Promise<Settled> {
  let pending: unknown;
  try {
    pending = run();
  } catch (error) {
    return { ok: false, error, sync: true };
  }
  try {
    return { ok: true, value: await pending };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The rule an outcome breaks, or `undefined`. */
export function classifyOutcome(outcome: Settled, valid: boolean): string | undefined {
  if (outcome.ok) return valid ? undefined : 'an invalid call must reject, but it resolved';
  if (outcome.sync) return 'a method must return a rejected promise, not throw synchronously';
  if (!isBackendError(outcome.error)) return 'a rejection must be a BackendError';
  if (outcome.error.type === BackendErrorType.UNKNOWN) {
    return 'a rejection must be classified (not UNKNOWN)';
  }
  if (valid) return 'a valid call must not reject (no fault was injected)';
  if (outcome.error.type !== BackendErrorType.PERMANENT) {
    return 'invalid input must reject with a PERMANENT BackendError';
  }
  return undefined;
}
