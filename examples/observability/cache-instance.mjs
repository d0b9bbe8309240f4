import { createCache } from '@cachestack/cache';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisInvalidationBus, TieredBackend } from '@cachestack/tiered';

/**
 * One application instance's cache: memory (L1, private to the instance)
 * over Redis (L2, shared), behind the `@cachestack/cache` facade, with the
 * Redis invalidation bus so that a write in one instance drops the other
 * instances' L1 copies.
 * @typedef {object} CacheInstance
 * @property {import('@cachestack/cache').Cache} cache - the facade
 * @property {() => Promise<void>} close - closes the cache, both tiers and the bus. Idempotent.
 */

/**
 * @param {string} redisUrl - `redis://host:port` shared by every instance
 * @param {string} namespace - the Redis namespace (key prefix) and invalidation namespace
 * @returns {CacheInstance}
 */
export function createCacheInstance(redisUrl, namespace) {
  const redis = new RedisBackend({ url: redisUrl, namespace, commandTimeoutMs: 1_000 });
  const bus = new RedisInvalidationBus({ client: redis.client });
  const tiered = new TieredBackend({
    tiers: [
      { backend: new MemoryBackend({ maxEntries: 10_000 }), name: 'L1 memory', maxTtlMs: 60_000 },
      { backend: redis, name: 'L2 redis' },
    ],
    invalidation: { bus, namespace },
  });
  const cache = createCache({ backend: tiered, defaultTtlMs: 300_000 });
  let closing;
  return {
    cache,
    close() {
      closing ??= (async () => {
        await cache.idle();
        await tiered.close(); // closes both tiers
        await bus.close();
      })();
      return closing;
    },
  };
}
