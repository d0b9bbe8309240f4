import type { BaseBackend } from '@cachestack/core';

/**
 * Options of {@link KeyvCachestack}.
 */
export interface KeyvCachestackOptions {
  /**
   * The cachestack backend that stores Keyv's entries: a `MemoryBackend`,
   * `SqliteBackend`, `FileBackend`, `RedisBackend` (standalone, Sentinel or
   * Cluster), a `TieredBackend`, or your own. Keyv's keys (`namespace:key`)
   * become the backend's keys, inside the backend's own namespace.
   */
  backend: BaseBackend;
  /**
   * Close the backend when Keyv's `disconnect()` is called (cache-manager's
   * and NestJS's shutdown call it). Set it to `false` when the backend is
   * shared with other code that closes it.
   * @default true
   */
  closeOnDisconnect?: boolean | undefined;
}

/**
 * What Keyv 5 reads from a store's `opts`. Keyv 5 gives `keyv.iterator()`
 * only to stores whose `dialect` is one of its own iterable dialects (or
 * whose `url` names one), and reads `url` unguarded: both must be present.
 */
export interface KeyvCachestackStoreOpts {
  /**
   * `'redis'` when the backend can list keys (the `keys` capability), so that
   * Keyv 5 enables `keyv.iterator()`; `'cachestack'` otherwise. Nothing else
   * in Keyv or cache-manager reads it.
   */
  dialect: 'redis' | 'cachestack';
  /** Always `'cachestack://'`: it must not contain a Keyv dialect name. */
  url: string;
  /** Keyv's test-suite and some tools set extra fields here; they are kept and ignored. */
  [field: string]: unknown;
}
