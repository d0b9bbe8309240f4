import {
  assertKnownOptions,
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type Logger,
  resolveLogger,
  resolveTimeoutsOption,
  type TimeoutDefaults,
} from '@cachestack/core';
import type { MemoryPolicyOptions } from './eviction/eviction-policy.js';

/**
 * Fixed bookkeeping cost, in bytes, counted for every entry against
 * {@link MemoryBackendOptions.maxBytes}, on top of the value's bytes and the
 * key's size (2 bytes per UTF-16 code unit). See {@link entrySizeBytes}.
 */
export const ENTRY_OVERHEAD_BYTES = 64;

/**
 * Default {@link MemoryBackendOptions.maxEntries}: 10,000 entries.
 */
export const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Default {@link MemoryBackendOptions.purgeIntervalMs}: one minute, in ms.
 */
export const DEFAULT_PURGE_INTERVAL_MS = 60_000;

/**
 * The size, in bytes, an entry counts for against
 * {@link MemoryBackendOptions.maxBytes}: the value's bytes, plus 2 bytes per
 * UTF-16 code unit of the key, plus {@link ENTRY_OVERHEAD_BYTES}.
 * @param key - the entry's key.
 * @param valueBytes - the value's length in bytes.
 */
export function entrySizeBytes(key: string, valueBytes: number): number {
  return valueBytes + key.length * 2 + ENTRY_OVERHEAD_BYTES;
}

/**
 * {@link entrySizeBytes} of `key` and `value`, checked against `maxBytes`
 * (`Infinity`: no byte limit). Both eviction policies' stores use it.
 * @throws BackendError PERMANENT `VALUE_TOO_LARGE` when the entry cannot fit.
 */
export function checkedEntrySize(
  key: string,
  value: Uint8Array,
  maxBytes: number,
  operation: string,
): number {
  const size = entrySizeBytes(key, value.byteLength);
  if (size > maxBytes) {
    throw new BackendError({
      type: BackendErrorType.PERMANENT,
      code: BackendErrorCode.VALUE_TOO_LARGE,
      message: `entry of ${size} bytes (value ${value.byteLength} + key overhead) exceeds maxBytes ${maxBytes}`,
      operation,
      key,
    });
  }
  return size;
}

/** Where and how often {@link MemoryBackend} saves its entries to disk. */
export interface MemorySnapshotOptions {
  /**
   * The snapshot file. It is read once when the backend opens and replaced
   * atomically (temp file in the same directory, fsync, rename) on every save.
   * Its directory is created when missing.
   */
  path: string;
  /**
   * Also save every `intervalMs` ms while open (the timer never keeps the
   * process alive). Interval saves are skipped when nothing changed.
   * @default undefined (save only on close)
   */
  intervalMs?: number | undefined;
  /**
   * Called with a {@link BackendError} when a snapshot cannot be loaded (the
   * cache then starts empty) or an interval save fails. These warnings also
   * go to {@link MemoryBackendOptions.logger} when one is given.
   * @default process.emitWarning, unless a `logger` is given (then the logger only)
   */
  onWarning?: ((warning: BackendError) => void) | undefined;
}

/** Options for {@link MemoryBackend} (including the eviction {@link MemoryPolicyOptions.policy}). */
export interface MemoryBackendOptions extends MemoryPolicyOptions {
  /**
   * Most entries kept; the least recently used is evicted to make room.
   * `Infinity` lifts the limit (then set {@link MemoryBackendOptions.maxBytes}).
   * lru-cache allocates index arrays for this many entries up front (about
   * 40 bytes each), so prefer `Infinity` plus `maxBytes` for very large caches.
   * @default 10_000
   */
  maxEntries?: number | undefined;
  /**
   * Most bytes kept, counting every entry as {@link entrySizeBytes} (value
   * bytes + key size + {@link ENTRY_OVERHEAD_BYTES}); least recently used
   * entries are evicted to make room.
   * @default Infinity (no byte limit)
   */
  maxBytes?: number | undefined;
  /**
   * Largest value in bytes; a larger one is rejected with `VALUE_TOO_LARGE`
   * and the key's old value is kept. When {@link MemoryBackendOptions.maxBytes}
   * is set, a value must also fit in it together with its key overhead.
   * @default maxBytes when set, else Infinity (no limit)
   */
  maxValueBytes?: number | undefined;
  /**
   * How often expired entries are swept from memory, in ms (they are
   * invisible from the moment they expire either way). `0` disables the sweep;
   * expired entries are then dropped when touched or evicted.
   * @default 60_000
   */
  purgeIntervalMs?: number | undefined;
  /**
   * Default time limits per operation kind, in ms, as for
   * {@link MemoryBackend.withTimeout}; `'*'` applies to every operation.
   * @default {} (no limits)
   */
  timeouts?: TimeoutDefaults | undefined;
  /**
   * Load entries from a file on open and save them on close (and optionally
   * on an interval). Needs {@link MemoryBackend.open} or
   * {@link createMemoryBackend}: the plain constructor cannot load a file.
   * @default undefined (no persistence)
   */
  snapshot?: MemorySnapshotOptions | undefined;
  /**
   * Where the backend tells what happened in the background (pino-compatible
   * {@link Logger}): `warn` for an unreadable snapshot ignored and a failed
   * interval save, `info` when saves work again, `debug` for snapshots
   * loaded and saved. Never a value. When given, snapshot warnings go here
   * instead of `process.emitWarning` (a {@link MemorySnapshotOptions.onWarning}
   * is still called).
   * @default undefined (nothing logged; snapshot warnings to `process.emitWarning`)
   */
  logger?: Logger | undefined;
}

/** {@link MemoryBackendOptions} after validation. */
export interface ResolvedMemoryOptions {
  maxEntries: number;
  maxBytes: number;
  maxValueBytes: number;
  purgeIntervalMs: number;
  timeouts: TimeoutDefaults;
  snapshot: ResolvedSnapshotOptions | undefined;
  logger: Logger;
}

/** {@link MemorySnapshotOptions} after validation. */
export interface ResolvedSnapshotOptions {
  path: string;
  intervalMs: number | undefined;
  /** The user's callback, if any (`undefined`: the logger, else `process.emitWarning`). */
  onWarning: ((warning: BackendError) => void) | undefined;
}

/** Every option name of {@link MemoryBackendOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  maxEntries: true,
  maxBytes: true,
  maxValueBytes: true,
  purgeIntervalMs: true,
  timeouts: true,
  snapshot: true,
  policy: true,
  logger: true,
} satisfies Record<keyof MemoryBackendOptions, true>);

/** Every option name of {@link MemorySnapshotOptions} (the compiler checks the list is complete). */
const SNAPSHOT_OPTION_NAMES = Object.keys({
  path: true,
  intervalMs: true,
  onWarning: true,
} satisfies Record<keyof MemorySnapshotOptions, true>);

function optionError(name: string, expected: string, value: unknown): TypeError {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    shown = typeof value;
  }
  return new TypeError(`MemoryBackend: option "${name}" must be ${expected}, got ${shown}`);
}

function limit(name: string, value: unknown, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  const ok =
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    throw optionError(
      name,
      `a ${allowZero ? 'non-negative' : 'positive'} integer or Infinity`,
      value,
    );
  }
  return value;
}

function resolveSnapshot(value: unknown): ResolvedSnapshotOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw optionError('snapshot', 'an object { path, intervalMs?, onWarning? }', value);
  }
  assertKnownOptions(value, SNAPSHOT_OPTION_NAMES, 'MemoryBackend snapshot');
  const { path, intervalMs, onWarning } = value as MemorySnapshotOptions;
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw optionError('snapshot.path', 'a non-empty file path', path);
  }
  if (
    intervalMs !== undefined &&
    (typeof intervalMs !== 'number' ||
      !Number.isFinite(intervalMs) ||
      intervalMs < 1 ||
      intervalMs > 2 ** 31 - 1)
  ) {
    throw optionError('snapshot.intervalMs', 'a number of ms from 1 to 2^31-1', intervalMs);
  }
  if (onWarning !== undefined && typeof onWarning !== 'function') {
    throw optionError('snapshot.onWarning', 'a function', onWarning);
  }
  return {
    path,
    intervalMs: intervalMs === undefined ? undefined : Math.ceil(intervalMs),
    onWarning,
  };
}

/**
 * Validates {@link MemoryBackendOptions} and fills in defaults.
 * @throws TypeError naming the first invalid option.
 */
export function resolveMemoryOptions(options: unknown): ResolvedMemoryOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`MemoryBackend: options must be an object, got ${String(options)}`);
  }
  assertKnownOptions(options, OPTION_NAMES, 'MemoryBackend');
  const given = options as MemoryBackendOptions;
  const maxEntries = limit('maxEntries', given.maxEntries, DEFAULT_MAX_ENTRIES, false);
  const maxBytes = limit('maxBytes', given.maxBytes, Number.POSITIVE_INFINITY, false);
  const maxValueBytes = limit('maxValueBytes', given.maxValueBytes, maxBytes, true);
  if (Number.isFinite(maxEntries) && maxEntries >= 2 ** 32) {
    throw optionError('maxEntries', 'below 2^32 or Infinity', maxEntries);
  }
  const purgeIntervalMs = given.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS;
  if (
    typeof purgeIntervalMs !== 'number' ||
    !Number.isFinite(purgeIntervalMs) ||
    purgeIntervalMs < 0 ||
    purgeIntervalMs > 2 ** 31 - 1
  ) {
    throw optionError('purgeIntervalMs', 'a number of ms from 0 to 2^31-1', purgeIntervalMs);
  }
  const timeouts = resolveTimeoutsOption(given.timeouts, 'MemoryBackend');
  return {
    maxEntries,
    maxBytes,
    maxValueBytes,
    purgeIntervalMs: Math.ceil(purgeIntervalMs),
    timeouts,
    snapshot: resolveSnapshot(given.snapshot),
    logger: resolveLogger(given.logger, 'MemoryBackend: option "logger"'),
  };
}
