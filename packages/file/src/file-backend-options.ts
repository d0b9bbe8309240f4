import {
  assertKnownOptions,
  type Logger,
  resolveLogger,
  resolveTimeoutsOption,
  type TimeoutDefaults,
} from '@cachestack/core';

/**
 * How hard a write works to survive a power loss.
 *
 * - `'none'`: write the temp file and rename it into place. Readers never see
 *   a partial value and a crashed *process* leaves the old value or the new
 *   one, but after a power loss or kernel crash the file system may have
 *   kept the rename without the data (an empty or truncated entry, which the
 *   checksum then turns into a miss).
 * - `'fsync'`: also `fsync` the temp file before the rename and the shard
 *   directory after it, so an acknowledged write survives a power loss. Costs
 *   one or two disk flushes per write.
 */
export type Durability = 'none' | 'fsync';

/** Options for {@link FileBackend}. */
export interface FileBackendOptions {
  /**
   * The cache directory. Created (mode 0700, with missing parents) on first
   * use. Several backends and processes may share it; each namespace gets its
   * own subdirectory.
   */
  directory: string;
  /**
   * Separates the entries of several caches in one directory. `clear()` and
   * `keys()` touch only this namespace.
   * @default 'default'
   */
  namespace?: string;
  /**
   * See {@link Durability}.
   * @default 'none'
   */
  durability?: Durability;
  /**
   * Largest total size of this namespace's entry files (header + key + value),
   * in bytes. Least recently used entries are evicted above it.
   * @default Infinity (no limit)
   */
  maxBytes?: number;
  /**
   * Largest number of entries in this namespace. Least recently used entries
   * are evicted above it.
   * @default Infinity (no limit)
   */
  maxEntries?: number;
  /**
   * Largest value, in bytes; larger values are rejected with `VALUE_TOO_LARGE`.
   * At most 1 GiB.
   * @default 536870912 (512 MiB)
   */
  maxValueBytes?: number;
  /**
   * How often the background sweep runs, in ms: it removes expired entries,
   * corrupt entries and stale temp files, and re-reads sizes for eviction.
   * `0` turns it off (expired entries are then removed when read). The timer
   * never keeps the process alive.
   * @default 60000
   */
  sweepIntervalMs?: number;
  /**
   * Age in ms after which a temp file left by a crashed writer is removed by
   * the sweep. Must exceed the longest write.
   * @default 600000 (10 minutes)
   */
  staleTempFileMs?: number;
  /**
   * Default time limits per operation kind (or `'*'`), in ms; see `withTimeout`.
   * @default {} (no limits)
   */
  timeouts?: TimeoutDefaults;
  /**
   * Where the backend logs (pino-compatible `debug/info/warn/error(fields, message)`):
   * a corrupt or foreign entry dropped and a symlink planted in the cache
   * directory removed (warn), a background sweep that failed (warn), and
   * eviction passes (debug). Fields name the namespace and file path, never
   * a value.
   * @default silent
   */
  logger?: Logger;
}

/** Largest accepted {@link FileBackendOptions.maxValueBytes}: 1 GiB. */
export const MAX_VALUE_BYTES_LIMIT = 1024 * 1024 * 1024;

/** Default {@link FileBackendOptions.maxValueBytes}: 512 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 512 * 1024 * 1024;

/** Every option name of {@link FileBackendOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  directory: true,
  namespace: true,
  durability: true,
  maxBytes: true,
  maxEntries: true,
  maxValueBytes: true,
  sweepIntervalMs: true,
  staleTempFileMs: true,
  timeouts: true,
  logger: true,
} satisfies Record<keyof FileBackendOptions, true>);

/** Options after validation, with defaults applied. */
export interface ResolvedFileBackendOptions {
  directory: string;
  namespace: string;
  durability: Durability;
  maxBytes: number;
  maxEntries: number;
  maxValueBytes: number;
  sweepIntervalMs: number;
  staleTempFileMs: number;
  timeouts: TimeoutDefaults;
  logger: Logger;
}

function optionError(name: string, expected: string, got: unknown): TypeError {
  let shown: string;
  try {
    shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  } catch {
    shown = typeof got;
  }
  return new TypeError(`FileBackend: option "${name}" must be ${expected}, got ${shown}`);
}

function numberOption(
  options: Record<string, unknown>,
  name: string,
  fallback: number,
  check: (value: number) => boolean,
  expected: string,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || !check(value)) {
    throw optionError(name, expected, value);
  }
  return value;
}

const isWholeOrInfinite = (value: number): boolean =>
  value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value > 0);

/**
 * Validates {@link FileBackendOptions} and applies defaults. Throws a
 * `TypeError` naming the bad option (`timeouts` is checked by core's
 * `resolveTimeoutsOption`).
 */
export function resolveOptions(input: FileBackendOptions): ResolvedFileBackendOptions {
  if (typeof input !== 'object' || input === null) {
    throw optionError('options', 'an object with a "directory"', input);
  }
  assertKnownOptions(input, OPTION_NAMES, 'FileBackend');
  const options = input as unknown as Record<string, unknown>;
  const { directory, namespace = 'default', durability = 'none' } = input;
  if (typeof directory !== 'string' || directory.length === 0 || directory.includes('\0')) {
    throw optionError('directory', 'a non-empty path without NUL characters', directory);
  }
  if (typeof namespace !== 'string' || namespace.length === 0 || !namespace.isWellFormed()) {
    throw optionError('namespace', 'a non-empty, well-formed string', namespace);
  }
  if (durability !== 'none' && durability !== 'fsync') {
    throw optionError('durability', "'none' or 'fsync'", durability);
  }
  return {
    directory,
    namespace,
    durability,
    timeouts: resolveTimeoutsOption(input.timeouts, 'FileBackend'),
    logger: resolveLogger(input.logger, 'logger', 'FileBackend'),
    maxBytes: numberOption(
      options,
      'maxBytes',
      Number.POSITIVE_INFINITY,
      isWholeOrInfinite,
      'a whole number of bytes > 0 or Infinity',
    ),
    maxEntries: numberOption(
      options,
      'maxEntries',
      Number.POSITIVE_INFINITY,
      isWholeOrInfinite,
      'a whole number > 0 or Infinity',
    ),
    maxValueBytes: numberOption(
      options,
      'maxValueBytes',
      DEFAULT_MAX_VALUE_BYTES,
      (value) => Number.isSafeInteger(value) && value >= 0 && value <= MAX_VALUE_BYTES_LIMIT,
      `a whole number of bytes from 0 to ${MAX_VALUE_BYTES_LIMIT}`,
    ),
    sweepIntervalMs: numberOption(
      options,
      'sweepIntervalMs',
      60_000,
      (value) => value === 0 || (Number.isFinite(value) && value >= 10 && value <= 2 ** 31 - 1),
      '0 (off) or a number of ms from 10 to 2147483647',
    ),
    staleTempFileMs: numberOption(
      options,
      'staleTempFileMs',
      600_000,
      (value) => Number.isFinite(value) && value >= 0,
      'a finite number of ms >= 0',
    ),
  };
}
