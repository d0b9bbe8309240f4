import { KeyvCachestack } from '@cachestack/keyv';
import { RedisBackend } from '@cachestack/redis';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';

/**
 * A cache-manager 7 cache whose one store is Keyv over cachestack's
 * `RedisBackend`: cache-manager's API (`wrap`, `get`, `set`, `del`) with our
 * Redis client, classified errors and locks underneath.
 * @param {object} options
 * @param {string} options.redisUrl - e.g. `redis://127.0.0.1:6379`
 * @param {string} [options.namespace] - the RedisBackend namespace (Redis key prefix). Default `'cache-manager-wrap'`.
 * @param {number} [options.ttlMs] - cache-manager's default TTL in ms. Default 60 000.
 */
export function createRedisCache({ redisUrl, namespace = 'cache-manager-wrap', ttlMs = 60_000 }) {
  const backend = new RedisBackend({ url: redisUrl, namespace });
  const store = new KeyvCachestack({ backend });
  // Keyv prefixes keys with its namespace: entries live at `products:<key>`.
  // throwOnErrors: Keyv passes the store's BackendErrors on to cache-manager
  // (by default it only emits them and reports a write as `false`), so a
  // failed `set`/`del`/`wrap` rejects with a classified error.
  const keyv = new Keyv({ store, namespace: 'products', throwOnErrors: true });
  const cache = createCache({ stores: [keyv], ttl: ttlMs });
  return { cache, store, backend };
}

/**
 * `cache.wrap` coalesces concurrent loads within one process only. Across
 * processes, take the store's Redis lock on a miss: one process loads and
 * stores the value, the others wait for the lock and then read it.
 * @template T
 * @param {ReturnType<typeof createRedisCache>} redisCache
 * @param {string} key
 * @param {() => Promise<T>} load
 * @param {number} ttlMs - TTL of the cached value, in ms
 * @returns {Promise<T>}
 */
export async function wrapAcrossProcesses({ cache, store }, key, load, ttlMs) {
  const hit = await cache.get(key);
  if (hit !== undefined) return hit;
  const lock = await store.acquireLock(key, { ttlMs: 30_000, waitMs: 10_000 });
  try {
    const stored = await cache.get(key); // loaded by the process that held the lock
    if (stored !== undefined) return stored;
    const value = await load();
    await cache.set(key, value, ttlMs);
    return value;
  } finally {
    await lock?.release(); // without the lock (waitMs passed) it loaded anyway
  }
}
