import { assertKnownOptions, type BackendError, type BaseBackend } from '@cachestack/core';

/** Which store call a reported failure came from. */
export type CacheStoreOperation = 'get' | 'write' | 'delete';

/** What {@link BackendCacheStoreOptions.onError} is told besides the error. */
export interface CacheStoreErrorContext {
  /** The store call that failed (`write` covers the commit of a finished write stream). */
  operation: CacheStoreOperation;
  /** The origin of the cache key, e.g. `https://api.example.com`. */
  origin: string;
  /** The path (with query) of the cache key, e.g. `/users?page=2`. */
  path: string;
}

/** Options of {@link BackendCacheStore}. */
export interface BackendCacheStoreOptions {
  /**
   * Where responses are kept: any cachestack backend (memory, SQLite, Redis,
   * file, tiered, or your own). The store never closes it.
   */
  backend: BaseBackend;
  /**
   * Prefix of every key this store writes in the backend, so several stores
   * (or other data) can share one backend. Stores that should share cached
   * responses (a fleet of services) must use the same prefix.
   * @default 'undici-cache:'
   */
  prefix?: string | undefined;
  /**
   * Largest response body stored, in bytes. A response whose body is larger is
   * passed through but not stored (as undici's `MemoryCacheStore`). The
   * backend's own largest value (e.g. `maxValueBytes`) applies on top: a
   * larger entry is not stored either, and is reported through `onError`.
   * @default 5242880 (5 MiB, undici's MemoryCacheStore default)
   */
  maxEntrySize?: number | undefined;
  /**
   * Most responses kept for one origin and path (all methods and `Vary`
   * variants together). When a new variant would exceed it, the oldest ones
   * are dropped. Bounds the per-path index against a `Vary` on a
   * high-cardinality header (e.g. `User-Agent`). Total size and count limits
   * belong to the backend (`maxEntries` / `maxBytes` of the memory and SQLite
   * backends, `maxmemory` of Redis).
   * @default 32
   */
  maxVariantsPerPath?: number | undefined;
  /**
   * Time limit of each backend operation, in ms. A read that takes longer is a
   * miss; a write or delete that takes longer is reported and given up on
   * (its outcome in the backend is then unknown).
   * @default 1000
   */
  timeoutMs?: number | undefined;
  /**
   * How long a write waits for the per-path index lock of a backend that
   * offers locks (memory, SQLite, Redis), in ms. On a timeout the write is
   * dropped (reported as a `LOCK_TIMEOUT`): a miss later, never a lost entry
   * of another process.
   * @default 1000
   */
  lockWaitMs?: number | undefined;
  /**
   * Called with every backend failure, classified as a `BackendError`
   * (`CORRUPT` for an entry that fails to decode, `TIMEOUT` past
   * {@link BackendCacheStoreOptions.timeoutMs}). The store itself never
   * throws or rejects because of the backend: a failed read is a miss, a
   * failed write stores nothing. An exception thrown by `onError` is ignored.
   * @default undefined (failures are not reported)
   */
  onError?: ((error: BackendError, context: CacheStoreErrorContext) => void) | undefined;
}

/** {@link BackendCacheStoreOptions} after validation. */
export interface ResolvedCacheStoreOptions {
  backend: BaseBackend;
  prefix: string;
  maxEntrySize: number;
  maxVariantsPerPath: number;
  timeoutMs: number;
  lockWaitMs: number;
  onError: ((error: BackendError, context: CacheStoreErrorContext) => void) | undefined;
}

/** Default {@link BackendCacheStoreOptions.maxEntrySize}: 5 MiB. */
export const DEFAULT_MAX_ENTRY_SIZE = 5 * 1024 * 1024;
/** Default {@link BackendCacheStoreOptions.maxVariantsPerPath}. */
export const DEFAULT_MAX_VARIANTS_PER_PATH = 32;
/** Default {@link BackendCacheStoreOptions.timeoutMs}, in ms. */
export const DEFAULT_TIMEOUT_MS = 1000;
/** Default {@link BackendCacheStoreOptions.lockWaitMs}, in ms. */
export const DEFAULT_LOCK_WAIT_MS = 1000;

const MAX_TIMER = 2 ** 31 - 1;

function optionError(name: string, expected: string, value: unknown): TypeError {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    shown = typeof value;
  }
  return new TypeError(`BackendCacheStore: option "${name}" must be ${expected}, got ${shown}`);
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw optionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** Every option name of {@link BackendCacheStoreOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  backend: true,
  prefix: true,
  maxEntrySize: true,
  maxVariantsPerPath: true,
  timeoutMs: true,
  lockWaitMs: true,
  onError: true,
} satisfies Record<keyof BackendCacheStoreOptions, true>);

/**
 * Validates {@link BackendCacheStoreOptions} and fills in defaults.
 * @throws TypeError naming the first invalid option.
 */
export function resolveCacheStoreOptions(options: unknown): ResolvedCacheStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`BackendCacheStore: options must be an object, got ${String(options)}`);
  }
  assertKnownOptions(options, OPTION_NAMES, 'BackendCacheStore');
  const given = options as BackendCacheStoreOptions;
  const backend = given.backend as Partial<BaseBackend> | undefined;
  if (
    typeof backend !== 'object' ||
    backend === null ||
    typeof backend.get !== 'function' ||
    typeof backend.set !== 'function' ||
    typeof backend.delete !== 'function'
  ) {
    throw optionError('backend', 'a cachestack backend (get, set, delete)', backend);
  }
  const prefix = given.prefix ?? 'undici-cache:';
  if (typeof prefix !== 'string' || !prefix.isWellFormed() || Buffer.byteLength(prefix) > 256) {
    throw optionError('prefix', 'a well-formed string of at most 256 UTF-8 bytes', prefix);
  }
  if (given.onError !== undefined && typeof given.onError !== 'function') {
    throw optionError('onError', 'a function', given.onError);
  }
  return {
    backend: backend as BaseBackend,
    prefix,
    maxEntrySize: integer(
      'maxEntrySize',
      given.maxEntrySize,
      DEFAULT_MAX_ENTRY_SIZE,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    maxVariantsPerPath: integer(
      'maxVariantsPerPath',
      given.maxVariantsPerPath,
      DEFAULT_MAX_VARIANTS_PER_PATH,
      1,
      10_000,
    ),
    timeoutMs: integer('timeoutMs', given.timeoutMs, DEFAULT_TIMEOUT_MS, 1, MAX_TIMER),
    lockWaitMs: integer('lockWaitMs', given.lockWaitMs, DEFAULT_LOCK_WAIT_MS, 0, MAX_TIMER),
    onError: given.onError,
  };
}
