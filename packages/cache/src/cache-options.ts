import type { BaseBackend, Logger } from '@cachestack/core';
import type { CacheEventMap } from './cache-events.js';
import type { ObjectCacheOptions } from './object-tier.js';
import type { Serializer } from './serializer.js';

/** What to do with stored bytes that cannot be decoded. */
export type CorruptEntryPolicy = 'miss' | 'throw';

/** Options for {@link createCache}. */
export interface CacheOptions {
  /** The backend that stores the bytes. The cache never closes it. */
  backend: BaseBackend;
  /**
   * Prefix for every key: the cache stores `key` as `${namespace}:${key}`.
   * `clear()` then removes only this prefix. Sub-caches from
   * {@link Cache.namespace} add their own prefix after this one.
   * @default undefined (keys are stored as given)
   */
  namespace?: string | undefined;
  /**
   * Fresh lifetime in ms for `set`, `setMany` and `getOrSet` calls that give
   * no `ttlMs` (finite, > 0).
   * @default undefined (no expiry)
   */
  defaultTtlMs?: number | undefined;
  /**
   * Turns values into bytes and back.
   * @default {@link defaultSerializer}
   */
  serializer?: Serializer | undefined;
  /**
   * Reads (`get`, `getMany`, `has`, and the read and write of `getOrSet`)
   * resolve as a miss instead of rejecting when the backend fails. The error
   * is still counted and emitted as an `error` event. Writes, deletes and
   * `clear` always reject.
   * @default false
   */
  failOpen?: boolean | undefined;
  /**
   * Stored bytes that cannot be decoded (not written by this cache, wrong
   * serializer, damaged): `'miss'` deletes the entry and reports a miss (and
   * an `error` event with code `CORRUPT`); `'throw'` rejects with a
   * PERMANENT `CORRUPT` {@link @cachestack/core!BackendError | BackendError} (operation `deserialize`).
   * @default 'miss'
   */
  onCorrupt?: CorruptEntryPolicy | undefined;
  /** Shortcut for `cache.on('error', onError)`. */
  onError?: ((event: CacheEventMap['error']) => void) | undefined;
  /**
   * Default {@link GetOrSetOptions.lockTtlMs}, in ms.
   * @default 10_000
   */
  lockTtlMs?: number | undefined;
  /**
   * Default {@link GetOrSetOptions.lockWaitMs}, in ms.
   * @default 10_000
   */
  lockWaitMs?: number | undefined;
  /**
   * An in-process object tier for hot keys: decoded values kept by key, so
   * a fresh hit (`get`, `getOrSet`, `getMany`, `has`) skips the backend
   * read and the serializer. Values are frozen, cloned or shared per
   * {@link ObjectCacheOptions.mode}. Writes, deletes and clears through this
   * cache drop its copies at once, an entry is never served past its fresh
   * time, and a tagged entry's tags are checked on every hit; changes made
   * elsewhere (other processes, other caches, a tiered backend's bus) are
   * seen within {@link ObjectCacheOptions.ttlMs} (default 1 s).
   * @default undefined (no object tier: every read decodes)
   */
  objectCache?: ObjectCacheOptions | undefined;
  /**
   * A pino-compatible logger (`debug/info/warn/error(fields, message)`) for
   * what the cache handles by itself: corrupt entries dropped, stale values
   * served after a loader or backend failure, failed background refreshes,
   * lock trouble (lock not taken, not extended, not released, waited out)
   * and listeners that threw. Keys and error types and codes are logged,
   * never values.
   * @default undefined (nothing logged; a throwing listener goes to `process.emitWarning`)
   */
  logger?: Logger | undefined;
}

/** Options for {@link Cache.set}. */
export interface SetOptions {
  /**
   * Fresh lifetime in ms (finite, > 0; fractions round up).
   * @default the cache's `defaultTtlMs` (no expiry when that is unset)
   */
  ttlMs?: number | undefined;
  /**
   * Tags of the entry, for {@link Cache.invalidateTags} and
   * {@link Cache.expireTags}: non-empty, well-formed strings of at most 256
   * UTF-8 bytes, at most 64 distinct per entry (duplicates are ignored).
   * @default [] (untagged)
   */
  tags?: readonly string[] | undefined;
}

/** An entry for {@link Cache.setMany}. */
export interface CacheSetManyEntry<T = unknown> {
  /** The key (without namespace prefix). */
  key: string;
  /** The value to serialize and store. `undefined` is rejected. */
  value: T;
  /**
   * Fresh lifetime in ms.
   * @default the cache's `defaultTtlMs`
   */
  ttlMs?: number | undefined;
  /** Tags of the entry (see {@link SetOptions.tags}). @default [] */
  tags?: readonly string[] | undefined;
}

/** What happens when another process holds the key's lock for longer than `lockWaitMs`. */
export type LockTimeoutPolicy = 'load' | 'throw';

/** Options for {@link Cache.getOrSet}. */
export interface GetOrSetOptions {
  /**
   * How long a loaded value is fresh, in ms (finite, > 0). Fresh values are
   * returned by `get` and `getOrSet` without calling the loader.
   * @default the cache's `defaultTtlMs` (no expiry when that is unset)
   */
  ttlMs?: number | undefined;
  /**
   * How long after {@link GetOrSetOptions.ttlMs} a stale value is kept, in
   * ms (finite, >= 0). Within it, `getOrSet` still calls the loader, but
   * serves the stale value when the loader fails or takes longer than
   * {@link GetOrSetOptions.loaderTimeoutMs}. `get` never returns a stale
   * value. The backend entry lives `ttlMs + graceMs`. Ignored when the value
   * has no `ttlMs` (it never goes stale).
   * @default 0 (no stale serving)
   */
  graceMs?: number | undefined;
  /**
   * With a stale value at hand, how long to wait for the loader before
   * serving the stale value, in ms (finite, > 0). The load carries on in the
   * background and stores its result. Without a stale value the caller
   * waits for the loader however long it takes.
   * @default undefined (wait for the loader; serve stale only if it fails)
   */
  loaderTimeoutMs?: number | undefined;
  /**
   * How long the cross-process lock is held at most, in ms (finite, > 0). It
   * is extended while the loader runs, so it only matters when a process
   * dies while holding it.
   * @default the cache's `lockTtlMs` (10 000)
   */
  lockTtlMs?: number | undefined;
  /**
   * How long to wait for another process's lock on the key, in ms (finite,
   * >= 0). After it, the value is read again; if it is still missing,
   * {@link GetOrSetOptions.onLockTimeout} decides.
   * @default the cache's `lockWaitMs` (10 000)
   */
  lockWaitMs?: number | undefined;
  /**
   * When the lock could not be had in time and the value is still missing:
   * `'load'` runs the loader anyway (availability first), `'throw'` rejects
   * with a TIMEOUT {@link @cachestack/core!BackendError | BackendError} with code `LOCK_TIMEOUT`.
   * @default 'load'
   */
  onLockTimeout?: LockTimeoutPolicy | undefined;
  /**
   * Take the backend's lock when it is Lockable. `false` keeps single-flight
   * in this process only.
   * @default true
   */
  lock?: boolean | undefined;
  /**
   * Tags of the loaded entry (see {@link SetOptions.tags}); the loader can
   * add more with {@link LoaderContext.addTags}. Their versions are read
   * before the loader runs.
   * @default []
   */
  tags?: readonly string[] | undefined;
}

/** Fails with a `TypeError` naming the option unless `value` is a finite number > 0 (or undefined). */
export function checkPositiveMs(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `${name} must be a finite number of ms greater than 0, got ${String(value)}`,
    );
  }
  return Math.ceil(value);
}

/** Fails with a `TypeError` naming the option unless `value` is a finite number >= 0 (or undefined). */
export function checkNonNegativeMs(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a finite number of ms >= 0, got ${String(value)}`);
  }
  return Math.ceil(value);
}
