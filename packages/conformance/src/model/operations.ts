import {
  assertValidKey,
  assertValidKeys,
  assertValidPrefix,
  assertValidValue,
  isBackendError,
  normalizeBatchEntries,
  normalizeLockOptions,
  normalizeRequiredTtl,
  normalizeTtl,
  TIMEOUT_OPERATIONS,
} from '@cachestack/core';
import type { FuzzInputs } from '../fuzz/fuzz-inputs.js';

/** The optional capabilities a model-checked backend offers (see {@link capabilitiesOf}). */
export interface ModelCapabilities {
  ttl: boolean;
  batch: boolean;
  keys: boolean;
  clear: boolean;
  lock: boolean;
  timeout: boolean;
}

/** What a generated call does. */
export type OperationKind =
  | 'set'
  | 'get'
  | 'delete'
  | 'exists'
  | 'getTtl'
  | 'refreshTtl'
  | 'getMany'
  | 'setMany'
  | 'deleteMany'
  | 'keys'
  | 'clear'
  | 'healthCheck'
  | 'acquireLock'
  /** `lock.extend(args[1])` on the lock the sequence holds on `args[0]`. */
  | 'extendLock'
  /** `withTimeout(args[0], args[1], () => get(args[2]))`. */
  | 'withTimeout'
  /** Releases the lock the sequence holds on `args[0]`. */
  | 'releaseLock'
  /** Waits `args[0]` ms, so that short TTLs pass. */
  | 'sleep';

/** One generated call, as data, so that a failing sequence can be replayed and shrunk. */
export interface Operation {
  kind: OperationKind;
  /** The arguments exactly as passed (invalid ones are planted on purpose). */
  args: unknown[];
  /**
   * The codes the call may reject with, one per bad argument (a backend
   * reports whichever it checks first); `undefined` for a valid call.
   */
  expect?: string[];
  /** `acquireLock` only: keep the lock until a `releaseLock` (true) or release it at once. */
  hold?: boolean;
  /** Run on the peer instance (a second instance on the same store) instead of the first. */
  onPeer?: boolean;
}

/** Lock TTL of locks a sequence holds, in ms: long enough never to expire during a run. */
export const HELD_LOCK_TTL_MS = 600_000;

/** The code `check` throws with (`fallback` for anything but a `BackendError`), or `undefined` when it passes. */
function codeOf(check: () => unknown, fallback: string): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return isBackendError(error) ? error.code : fallback;
  }
}

function codes(...found: (string | undefined)[]): string[] | undefined {
  const bad = [...new Set(found.filter((code): code is string => code !== undefined))];
  return bad.length === 0 ? undefined : bad;
}

const keyCode = (key: unknown) => codeOf(() => assertValidKey(key, 'fuzz'), 'INVALID_KEY');

/** The codes one `setMany` entry may be rejected with (each bad field's). */
function entryCodes(entry: unknown, maxValueBytes: number): (string | undefined)[] {
  if (typeof entry !== 'object' || entry === null) return ['INVALID_ARGUMENT'];
  try {
    const { key, value, ttlMs } = entry as { key?: unknown; value?: unknown; ttlMs?: unknown };
    return [
      keyCode(key),
      codeOf(() => assertValidValue(value, 'fuzz', 'k', maxValueBytes), 'INVALID_VALUE'),
      codeOf(() => normalizeTtl(ttlMs, 'fuzz'), 'INVALID_TTL'),
    ];
  } catch {
    return ['INVALID_ARGUMENT'];
  }
}

/** The codes a `setMany` entry list may be rejected with (every bad entry's and field's: backends check in different orders). */
function entryListCodes(list: unknown, maxValueBytes: number): string[] | undefined {
  const whole = codeOf(
    () => normalizeBatchEntries(list, 'setMany', maxValueBytes),
    'INVALID_ARGUMENT',
  );
  if (whole === undefined) return undefined;
  if (!Array.isArray(list)) return [whole];
  return codes(whole, ...Array.from(list, (entry) => entryCodes(entry, maxValueBytes)).flat());
}

/** The codes a key list may be rejected with. */
function keyListCodes(list: unknown): string[] | undefined {
  const whole = codeOf(() => assertValidKeys(list, 'fuzz'), 'INVALID_ARGUMENT');
  if (whole === undefined) return undefined;
  if (!Array.isArray(list)) return [whole];
  return codes(whole, ...Array.from(list, (key) => keyCode(key)));
}

/**
 * One random operation over what `capabilities` offers, with arguments from
 * the conformance kit's seeded {@link FuzzInputs} (valid and invalid mixed).
 * Whether it is valid, and which codes it may be rejected with, is decided
 * argument by argument with core's validators. `held` are the keys the
 * sequence has locked so far.
 */
export function generateOperation(
  inputs: FuzzInputs,
  capabilities: ModelCapabilities,
  held: ReadonlySet<string>,
  maxValueBytes: number,
): Operation {
  const kinds: OperationKind[] = ['set', 'set', 'set', 'get', 'get', 'delete', 'exists'];
  if (capabilities.ttl) kinds.push('getTtl', 'refreshTtl');
  if (capabilities.batch) kinds.push('getMany', 'setMany', 'deleteMany');
  if (capabilities.keys) kinds.push('keys');
  if (capabilities.lock) kinds.push('acquireLock');
  if (capabilities.lock && held.size > 0) kinds.push('releaseLock', 'extendLock');
  if (capabilities.timeout) kinds.push('withTimeout');
  let kind = inputs.pick(kinds);
  const rare = inputs.int(100); // 1 % clear, 1 % healthCheck, 3 % a short sleep
  if (rare === 0) kind = capabilities.clear ? 'clear' : 'healthCheck';
  else if (rare === 1) kind = 'healthCheck';
  else if (rare < 5) return { kind: 'sleep', args: [1 + inputs.int(40)] };
  return buildOperation(kind, inputs, held, maxValueBytes);
}

/**
 * An operation of `kind` with arguments from `inputs`, and the codes it may
 * be rejected with. With `plain`, `acquireLock` always uses
 * `inputs.lockOptions()` and releases the lock at once (the fuzz sweep plants
 * bad options through it).
 */
export function buildOperation(
  kind: OperationKind,
  inputs: FuzzInputs,
  held: ReadonlySet<string>,
  maxValueBytes: number,
  plain = false,
): Operation {
  switch (kind) {
    case 'set': {
      const key = inputs.key();
      const value = inputs.value();
      const ttl = inputs.ttl();
      const args = ttl === undefined && inputs.chance(0.5) ? [key, value] : [key, value, ttl];
      const expect = codes(
        keyCode(key),
        codeOf(() => assertValidValue(value, 'fuzz', 'k', maxValueBytes), 'INVALID_VALUE'),
        codeOf(() => normalizeTtl(ttl, 'fuzz'), 'INVALID_TTL'),
      );
      return { kind, args, expect };
    }
    case 'get':
    case 'delete':
    case 'exists':
    case 'getTtl': {
      const key = inputs.key();
      return { kind, args: [key], expect: codes(keyCode(key)) };
    }
    case 'refreshTtl': {
      const key = inputs.key();
      const ttl = inputs.requiredTtl();
      const expect = codes(
        keyCode(key),
        codeOf(() => normalizeRequiredTtl(ttl, 'fuzz'), 'INVALID_TTL'),
      );
      return { kind, args: [key, ttl], expect };
    }
    case 'getMany':
    case 'deleteMany': {
      const list = inputs.keyList();
      return { kind, args: [list], expect: keyListCodes(list) };
    }
    case 'setMany': {
      const list = inputs.entryList();
      return { kind, args: [list], expect: entryListCodes(list, maxValueBytes) };
    }
    case 'keys': {
      const prefix = inputs.prefix();
      const args = prefix === undefined && inputs.chance(0.5) ? [] : [prefix];
      return {
        kind,
        args,
        expect: codes(codeOf(() => assertValidPrefix(prefix), 'INVALID_ARGUMENT')),
      };
    }
    case 'acquireLock': {
      const key = inputs.key();
      if (typeof key === 'string' && held.has(key)) {
        // Never wait on a lock the sequence holds: the call must resolve undefined at once.
        return { kind, args: [key, { ttlMs: HELD_LOCK_TTL_MS, waitMs: 0 }], hold: false };
      }
      if (!plain && inputs.chance(0.4)) {
        const expect = codes(keyCode(key));
        return { kind, args: [key, { ttlMs: HELD_LOCK_TTL_MS, waitMs: 0 }], expect, hold: true };
      }
      const options = inputs.lockOptions();
      const expect = codes(
        keyCode(key),
        codeOf(() => normalizeLockOptions(options, 'k'), 'INVALID_ARGUMENT'),
      );
      return { kind, args: [key, options], expect, hold: false };
    }
    case 'releaseLock':
      return { kind, args: [inputs.pick([...held])] };
    case 'extendLock': {
      const ttl = inputs.chance(0.6) ? HELD_LOCK_TTL_MS : inputs.requiredTtl();
      const expect = codes(codeOf(() => normalizeRequiredTtl(ttl, 'fuzz'), 'INVALID_TTL'));
      // A short extension may let the lock expire while the sequence still counts it as held.
      const args = [inputs.pick([...held]), expect === undefined ? HELD_LOCK_TTL_MS : ttl];
      return { kind, args, expect };
    }
    case 'withTimeout': {
      const operation = inputs.pick<unknown>(['get', '*', 'set', 'bogus', 5]);
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
      const expect = codes(
        typeof operation === 'string' && TIMEOUT_OPERATIONS.has(operation)
          ? undefined
          : 'INVALID_ARGUMENT',
        typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0
          ? undefined
          : 'INVALID_TIMEOUT',
      );
      return { kind, args: [operation, timeoutMs, inputs.validKey()], expect };
    }
    default:
      return { kind, args: [] };
  }
}

/**
 * A sequence of `length` operations from `inputs`, for a backend offering
 * `capabilities` whose largest value is `maxValueBytes`. With `peer`, about a
 * third of the calls go to the second instance on the same store.
 */
export function generateSequence(
  inputs: FuzzInputs,
  length: number,
  capabilities: ModelCapabilities,
  maxValueBytes: number,
  peer = false,
): Operation[] {
  const operations: Operation[] = [];
  const held = new Set<string>();
  for (let i = 0; i < length; i++) {
    const operation = generateOperation(inputs, capabilities, held, maxValueBytes);
    if (operation.kind === 'acquireLock' && operation.hold && operation.expect === undefined) {
      held.add(operation.args[0] as string);
    }
    if (operation.kind === 'releaseLock') held.delete(operation.args[0] as string);
    if (
      peer &&
      operation.kind !== 'sleep' &&
      operation.kind !== 'releaseLock' &&
      inputs.chance(0.35)
    ) {
      operation.onPeer = true;
    }
    operations.push(operation);
  }
  return operations;
}

function isDetached(view: ArrayBufferView): boolean {
  try {
    new Uint8Array(view.buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** A short, printable form of any argument (never throws, whatever it is given). */
export function showArgument(value: unknown): string {
  try {
    if (typeof value === 'string') {
      const text = JSON.stringify(value.length > 24 ? value.slice(0, 8) : value);
      return value.length > 24 ? `${text}…(${value.length} chars)` : text;
    }
    if (ArrayBuffer.isView(value)) {
      const name = value.constructor?.name ?? 'view';
      return isDetached(value) ? `${name}(detached)` : `${name}(${value.byteLength})`;
    }
    if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength})`;
    if (Array.isArray(value)) {
      return `[${Array.from(value, (item, i) => (i in value ? showArgument(item) : '<hole>')).join(', ')}]`;
    }
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'symbol') return value.toString();
    if (typeof value === 'function') return 'function';
    if (value !== null && typeof value === 'object') {
      const fields = Object.entries(value).map(
        ([name, field]) => `${name}: ${showArgument(field)}`,
      );
      return `${value.constructor?.name === 'Object' ? '' : `${value.constructor?.name ?? ''} `}{ ${fields.join(', ')} }`;
    }
    return Object.is(value, -0) ? '-0' : String(value);
  } catch {
    return `<${typeof value} that throws when read>`;
  }
}

/** One line naming the call and its arguments, e.g. `set("a", Buffer(7), 30)`, and the codes an invalid one expects. */
export function describeOperation(operation: Operation): string {
  const call = `${operation.onPeer ? 'peer.' : ''}${operation.kind}(${operation.args.map(showArgument).join(', ')})`;
  return operation.expect === undefined
    ? call
    : `${call}  // invalid → ${operation.expect.join(' or ')}`;
}
