// The caching reverse proxy: @cachestack/http's HttpCache (RFC 9111 shared
// cache) in front of an upstream, over a memory backend or a shared Redis.
import { createServer } from 'node:http';
import { createCache } from '@cachestack/cache';
import { createReverseProxy, HttpCache } from '@cachestack/http';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';

/**
 * @typedef {object} CachingProxy
 * @property {string} url - `http://127.0.0.1:<port>`
 * @property {string} backendType - `'memory'` or `'redis'`
 * @property {unknown[]} storeErrors - store failures reported by the cache (it fails open)
 * @property {() => Promise<void>} close - stops listening, then closes the backend
 */

/**
 * Starts a caching reverse proxy to `upstream` on loopback.
 * @param {{ upstream: string, redisUrl?: string, port?: number }} options
 *   `redisUrl`: share the cache between proxies through Redis; memory otherwise.
 * @returns {Promise<CachingProxy>}
 */
export async function startCachingProxy(options) {
  const backend = options.redisUrl
    ? new RedisBackend({ url: options.redisUrl, namespace: 'reverse-proxy' })
    : new MemoryBackend({ maxEntries: 10_000 });
  /** @type {unknown[]} */
  const storeErrors = [];
  const httpCache = new HttpCache({
    cache: createCache({ backend, namespace: 'http' }),
    targetedCacheControl: ['cdn-cache-control'], // obey CDN-Cache-Control (RFC 9213)
    onError: (error) => storeErrors.push(error), // a failing store never fails a request
  });
  const proxy = createReverseProxy({ upstream: options.upstream, httpCache });
  const server = createServer(proxy.listener);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    backendType: backend.backendType,
    storeErrors,
    close: async () => {
      await new Promise((resolve) => {
        server.closeIdleConnections();
        server.close(() => resolve(undefined));
      });
      await backend.close();
    },
  };
}
