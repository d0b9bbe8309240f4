import type { AcquireLockOptions, BatchEntry } from './capabilities.js';
import { BackendError, BackendErrorCode, BackendErrorType } from './errors.js';

/** Longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * Longest TTL accepted, in ms (10^15 ms, about 31,700 years), so that
 * `Date.now() + ttlMs` stays an exact integer and fits every store.
 */
export const MAX_TTL_MS = 1e15;

// A string of at most this many UTF-16 code units has at most 3 UTF-8 bytes
// per unit, so it cannot exceed MAX_KEY_BYTES: no byte count needed.
const SHORT_KEY_UNITS = Math.floor(MAX_KEY_BYTES / 3);

function invalid(code: string, message: string, operation: string, key?: string): BackendError {
  return new BackendError({ type: BackendErrorType.PERMANENT, code, message, operation, key });
}

/**
 * A short description of a bad input for an error message. Never throws,
 * whatever the input (a revoked Proxy, a throwing `constructor` getter, a
 * non-string constructor name): validation must only ever throw BackendErrors.
 */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return `number ${value}`;
  if (typeof value !== 'object') return typeof value;
  try {
    const name: unknown = (value as object).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'object';
  } catch {
    return 'object';
  }
}

/** `Array.isArray` that answers `false` instead of throwing (a revoked Proxy throws). */
function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Throws a PERMANENT `INVALID_KEY` {@link BackendError} unless `key` is a
 * non-empty, well-formed Unicode string of at most {@link MAX_KEY_BYTES}
 * UTF-8 bytes. Any characters are allowed, including `/`, `..`, `:` and emoji.
 */
export function assertValidKey(key: unknown, operation: string): asserts key is string {
  if (typeof key !== 'string') {
    throw invalid(
      BackendErrorCode.INVALID_KEY,
      `key must be a string, got ${describe(key)}`,
      operation,
    );
  }
  if (key.length === 0) {
    throw invalid(BackendErrorCode.INVALID_KEY, 'key must not be empty', operation, key);
  }
  if (key.length > SHORT_KEY_UNITS && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw invalid(
      BackendErrorCode.INVALID_KEY,
      `key is longer than ${MAX_KEY_BYTES} UTF-8 bytes`,
      operation,
      key,
    );
  }
  if (!key.isWellFormed()) {
    throw invalid(
      BackendErrorCode.INVALID_KEY,
      'key is not well-formed Unicode (it has a lone surrogate)',
      operation,
      key,
    );
  }
}

/**
 * Whether `view` is over a detached `ArrayBuffer` (one transferred to a
 * worker or by `structuredClone`). Such a view reports 0 bytes, so only
 * empty views are probed: the check costs nothing on the hot path.
 */
function isDetachedView(view: Uint8Array): boolean {
  if (view.byteLength !== 0) return false;
  try {
    new Uint8Array(view.buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Throws a PERMANENT {@link BackendError} unless `value` is a `Uint8Array`
 * (`INVALID_VALUE`; a view over a detached `ArrayBuffer` is not a value
 * either) of at most `maxBytes` bytes (`VALUE_TOO_LARGE`).
 * @param maxBytes - the backend's largest value, in bytes.
 */
export function assertValidValue(
  value: unknown,
  operation: string,
  key: string,
  maxBytes = Number.POSITIVE_INFINITY,
): asserts value is Uint8Array {
  // `ArrayBuffer.isView` reads the internal slot, first: a Proxy or an object
  // given Uint8Array.prototype passes `instanceof` (a revoked Proxy makes it
  // throw) but has no bytes (its `byteLength` getter throws a TypeError).
  if (!ArrayBuffer.isView(value) || !(value instanceof Uint8Array)) {
    throw invalid(
      BackendErrorCode.INVALID_VALUE,
      `value must be a Uint8Array or Buffer, got ${describe(value)}`,
      operation,
      key,
    );
  }
  if (isDetachedView(value)) {
    throw invalid(
      BackendErrorCode.INVALID_VALUE,
      'value is a view over a detached ArrayBuffer (it was transferred); pass bytes you still own',
      operation,
      key,
    );
  }
  if (value.byteLength > maxBytes) {
    throw invalid(
      BackendErrorCode.VALUE_TOO_LARGE,
      `value is ${value.byteLength} bytes; this backend stores at most ${maxBytes}`,
      operation,
      key,
    );
  }
}

/**
 * Validates a TTL and returns it as whole ms: `undefined` stays `undefined`
 * (no expiry); a finite number > 0 and <= {@link MAX_TTL_MS} is rounded up.
 * Anything else throws a PERMANENT `INVALID_TTL` {@link BackendError}.
 */
export function normalizeTtl(ttlMs: unknown, operation: string, key?: string): number | undefined {
  if (ttlMs === undefined) return undefined;
  return normalizeRequiredTtl(ttlMs, operation, key);
}

/** Like {@link normalizeTtl}, but `undefined` is rejected too (for `refreshTtl` and locks). */
export function normalizeRequiredTtl(ttlMs: unknown, operation: string, key?: string): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_TTL_MS) {
    throw invalid(
      BackendErrorCode.INVALID_TTL,
      `ttlMs must be a finite number of ms greater than 0 and at most ${MAX_TTL_MS}, got ${describe(ttlMs)}`,
      operation,
      key,
    );
  }
  return Math.ceil(ttlMs);
}

/**
 * Validates a wait time for `acquireLock`: `undefined` means 0; otherwise a
 * finite number >= 0, rounded up. Anything else throws `INVALID_ARGUMENT`.
 */
export function normalizeWaitMs(waitMs: unknown, operation: string, key?: string): number {
  if (waitMs === undefined) return 0;
  if (typeof waitMs !== 'number' || !Number.isFinite(waitMs) || waitMs < 0) {
    throw invalid(
      BackendErrorCode.INVALID_ARGUMENT,
      `waitMs must be a finite number of ms >= 0, got ${describe(waitMs)}`,
      operation,
      key,
    );
  }
  return Math.ceil(waitMs);
}

/**
 * Validates a list of keys for a batch call before anything changes.
 * Throws `INVALID_ARGUMENT` when `keys` is not an array, `INVALID_KEY` for the first bad key.
 */
export function assertValidKeys(keys: unknown, operation: string): asserts keys is string[] {
  if (!isArray(keys)) {
    throw invalid(
      BackendErrorCode.INVALID_ARGUMENT,
      `keys must be an array, got ${describe(keys)}`,
      operation,
    );
  }
  for (const key of keys) assertValidKey(key, operation);
}

/**
 * Throws a PERMANENT `INVALID_ARGUMENT` {@link BackendError} unless `prefix`
 * (the argument of `keys(prefix?)`) is `undefined` or a well-formed Unicode
 * string. A prefix with a lone surrogate is rejected on every backend: no
 * valid key is matched by it in a store that keeps keys as UTF-8, so every
 * adapter agrees by refusing it. The empty string lists every key.
 */
export function assertValidPrefix(
  prefix: unknown,
  operation = 'keys',
): asserts prefix is string | undefined {
  if (prefix === undefined) return;
  if (typeof prefix !== 'string') {
    throw invalid(
      BackendErrorCode.INVALID_ARGUMENT,
      `prefix must be a string or undefined, got ${describe(prefix)}`,
      operation,
    );
  }
  if (!prefix.isWellFormed()) {
    throw invalid(
      BackendErrorCode.INVALID_ARGUMENT,
      'prefix is not well-formed Unicode (it has a lone surrogate)',
      operation,
    );
  }
}

/** A batch entry after validation: the TTL is whole ms or `undefined`. */
export interface NormalizedBatchEntry {
  key: string;
  value: Uint8Array;
  ttlMs: number | undefined;
}

/**
 * Validates every entry of a `setMany` call before anything changes, and
 * returns them with normalized TTLs. When a key appears twice, the later
 * entry wins (as if the entries were set in order).
 * @param maxBytes - the backend's largest value, in bytes.
 */
export function normalizeBatchEntries(
  entries: unknown,
  operation: string,
  maxBytes = Number.POSITIVE_INFINITY,
): NormalizedBatchEntry[] {
  if (!isArray(entries)) {
    throw invalid(
      BackendErrorCode.INVALID_ARGUMENT,
      `entries must be an array, got ${describe(entries)}`,
      operation,
    );
  }
  const byKey = new Map<string, NormalizedBatchEntry>();
  for (const entry of entries as unknown[]) {
    if (typeof entry !== 'object' || entry === null) {
      throw invalid(
        BackendErrorCode.INVALID_ARGUMENT,
        `each entry must be { key, value, ttlMs? }, got ${describe(entry)}`,
        operation,
      );
    }
    const { key, value, ttlMs } = entry as BatchEntry;
    assertValidKey(key, operation);
    assertValidValue(value, operation, key, maxBytes);
    const normalized = { key, value, ttlMs: normalizeTtl(ttlMs, operation, key) };
    byKey.delete(key);
    byKey.set(key, normalized);
  }
  return [...byKey.values()];
}

/**
 * A copy of `bytes` as a `Buffer` that shares no memory with the input.
 * Small copies come from Node's shared Buffer pool (`Buffer.allocUnsafe`),
 * which is several times faster than `Buffer.from` for short values; use it
 * for values handed to callers, not for long-lived storage (a pooled slice
 * keeps its whole pool slab alive).
 */
export function copyBytes(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafe(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** Lock options after validation: whole ms. */
export interface NormalizedLockOptions {
  /** How long the lock lives, in whole ms (> 0). */
  ttlMs: number;
  /** How long to keep trying, in whole ms (>= 0). */
  waitMs: number;
}

/**
 * Validates the options of `acquireLock`: an object with `ttlMs` (finite,
 * > 0; else `INVALID_TTL`) and optional `waitMs` (finite, >= 0; else
 * `INVALID_ARGUMENT`). A non-object throws `INVALID_ARGUMENT`.
 */
export function normalizeLockOptions(options: unknown, key: string): NormalizedLockOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid(
      BackendErrorCode.INVALID_ARGUMENT,
      `options must be { ttlMs, waitMs? }, got ${describe(options)}`,
      'acquireLock',
      key,
    );
  }
  const { ttlMs, waitMs } = options as AcquireLockOptions;
  return {
    ttlMs: normalizeRequiredTtl(ttlMs, 'acquireLock', key),
    waitMs: normalizeWaitMs(waitMs, 'acquireLock', key),
  };
}
