import { createServer } from 'node:http';
import { createCache } from '@cachestack/cache';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisInvalidationBus, TieredBackend } from '@cachestack/tiered';

/** @typedef {import('./product-database.mjs').Product} Product */
/** @typedef {import('./product-database.mjs').ProductDatabase} ProductDatabase */

/**
 * What {@link startProductService} needs.
 * @typedef {object} ProductServiceOptions
 * @property {string} redisUrl - `redis://host:port` of the Redis every instance shares
 * @property {ProductDatabase} database - the (slow) source of truth
 * @property {string} [name] - instance name, sent as `X-Served-By` and used in logs (default `service`)
 * @property {number} [port] - port to listen on; 0 picks a free one (default 0)
 * @property {string} [host] - interface to listen on (default `127.0.0.1`)
 * @property {number} [ttlMs] - how long a cached product is fresh, in ms (default 60 000)
 * @property {number} [l1MaxTtlMs] - longest life of a copy in this process's memory, in ms: the
 *   staleness bound if an invalidation message is lost (default 30 000)
 * @property {(message: string) => void} [log] - where degradation notes go (default `console.warn`)
 */

/**
 * A running instance.
 * @typedef {object} ProductService
 * @property {string} name - the instance name
 * @property {string} url - `http://host:port`
 * @property {() => Promise<void>} close - stops accepting requests, lets those in flight finish,
 *   then closes the cache and its Redis connections. Idempotent.
 */

/** Product ids: 1 to 64 characters of `[A-Za-z0-9_-]`. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Largest PUT body, in bytes. */
const MAX_BODY_BYTES = 16 * 1024;

/**
 * Starts one instance of the product service:
 *
 * - `GET /products/:id` answers from a two-tier cache — an in-process
 *   `MemoryBackend` (L1) over a shared `RedisBackend` (L2) — through the
 *   `@cachestack/cache` facade's `getOrSet`. On a miss the slow database is
 *   queried once, however many requests ask at the same time: concurrent
 *   requests in this process share one load, and other instances wait for
 *   the load's Redis lock and then read the stored value. `X-Cache: miss`
 *   means this request queried the database; `hit` means it did not.
 * - `PUT /products/:id` (JSON `{ name, priceCents }`) writes the database,
 *   then deletes the cached copy; the Redis invalidation bus makes every
 *   other instance drop its L1 copy. `X-Cache-Invalidated: false` says the
 *   delete failed (Redis down): copies elsewhere then live until `ttlMs`.
 * - `GET /health` reports both tiers.
 *
 * While Redis is down the cache fails open: L1 hits are still served, misses
 * go to the database (nothing is cached until Redis is back), and no request
 * fails because of the cache. A read that loaded the old row just before a
 * PUT may store it after the invalidation; `ttlMs` bounds that window.
 *
 * @param {ProductServiceOptions} options
 * @returns {Promise<ProductService>}
 */
export async function startProductService(options) {
  const { redisUrl, database, name = 'service', host = '127.0.0.1', port = 0 } = options;
  const { ttlMs = 60_000, l1MaxTtlMs = 30_000, log = console.warn } = options;

  const redis = new RedisBackend({ url: redisUrl, namespace: 'products', commandTimeoutMs: 1_000 });
  const bus = new RedisInvalidationBus({
    client: redis.client,
    onError: (error) => log(`[${name}] invalidation bus: ${error.message}`),
  });
  const tiered = new TieredBackend({
    tiers: [
      {
        backend: new MemoryBackend({ maxEntries: 10_000 }),
        name: 'L1 memory',
        maxTtlMs: l1MaxTtlMs,
      },
      {
        backend: redis,
        name: 'L2 redis',
        circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 1_000 },
      },
    ],
    invalidation: { bus, namespace: 'products' },
    timeouts: { '*': 2_000 },
    onDegraded: (event) =>
      log(
        `[${name}] cache degraded (${event.operation}, ${event.tier ?? 'all tiers'}): ${event.error.message}`,
      ),
  });
  await tiered.ready(); // subscribed: writes by other instances reach this one from now on
  const cache = createCache({
    backend: tiered,
    namespace: 'product',
    defaultTtlMs: ttlMs,
    failOpen: true, // a cache failure degrades to the database, never to an error page
    lockWaitMs: 5_000,
    onError: ({ operation, error }) => log(`[${name}] cache ${operation} failed: ${error.message}`),
  });

  /**
   * @param {import('node:http').IncomingMessage} request
   * @returns {Promise<Reply>}
   */
  async function handle(request) {
    const path = new URL(request.url ?? '/', 'http://service').pathname;
    if (path === '/health') {
      const health = await tiered.healthCheck();
      return json(200, { instance: name, ...health });
    }
    const match = /^\/products\/([^/]+)$/.exec(path);
    const id = match?.[1];
    if (id === undefined) return json(404, { error: 'try GET /products/1' });
    if (!ID_PATTERN.test(id))
      return json(400, { error: 'ids are 1-64 characters of [A-Za-z0-9_-]' });
    if (request.method === 'GET') return readProduct(id);
    if (request.method === 'PUT') return updateProduct(id, await readJson(request));
    return json(405, { error: 'use GET or PUT' }, { allow: 'GET, PUT' });
  }

  /** @param {string} id */
  async function readProduct(id) {
    let queried = false;
    const product = await cache.getOrSet(id, () => {
      queried = true;
      return database.find(id);
    });
    const headers = { 'x-cache': queried ? 'miss' : 'hit' };
    if (product === undefined) return json(404, { error: `no product ${id}` }, headers);
    return json(200, product, headers);
  }

  /**
   * @param {string} id
   * @param {unknown} body
   */
  async function updateProduct(id, body) {
    const { name: productName, priceCents } = /** @type {Record<string, unknown>} */ (body ?? {});
    if (typeof productName !== 'string' || productName === '' || productName.length > 200) {
      return json(400, { error: 'name must be a string of 1-200 characters' });
    }
    if (typeof priceCents !== 'number' || !Number.isSafeInteger(priceCents) || priceCents < 0) {
      return json(400, { error: 'priceCents must be a whole number >= 0' });
    }
    const saved = await database.save({ id, name: productName, priceCents });
    let invalidated = true;
    try {
      await cache.delete(id);
    } catch (error) {
      invalidated = false;
      log(`[${name}] could not invalidate product ${id}: ${String(error)}`);
    }
    return json(200, saved, { 'x-cache-invalidated': String(invalidated) });
  }

  const server = createServer((request, response) => {
    handle(request).then(
      (reply) => send(response, reply, name),
      (error) => {
        log(`[${name}] ${request.method} ${request.url} failed: ${String(error)}`);
        send(response, json(500, { error: 'internal error' }), name);
      },
    );
  });
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(undefined));
    });
  } catch (error) {
    await tiered.close();
    await bus.close();
    throw error;
  }
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());

  /** @type {Promise<void> | undefined} */
  let closing;
  return {
    name,
    url: `http://${host}:${address.port}`,
    close() {
      closing ??= (async () => {
        const stopped = new Promise((resolve) => server.close(() => resolve(undefined)));
        server.closeIdleConnections();
        await stopped; // requests in flight have been answered
        await cache.idle();
        await tiered.close(); // closes L1 and the Redis connection it owns
        await bus.close(); // the subscriber connection
      })();
      return closing;
    },
  };
}

/**
 * An HTTP answer.
 * @typedef {{ status: number, body: string, headers: Record<string, string> }} Reply
 */

/**
 * @param {number} status
 * @param {unknown} value
 * @param {Record<string, string>} [headers]
 * @returns {Reply}
 */
function json(status, value, headers = {}) {
  return { status, body: JSON.stringify(value), headers };
}

/**
 * @param {import('node:http').ServerResponse} response
 * @param {Reply} reply
 * @param {string} instance
 */
function send(response, reply, instance) {
  response.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(reply.body)),
    'x-served-by': instance,
    ...reply.headers,
  });
  response.end(reply.body);
}

/**
 * The request body as JSON, or `undefined` when it is missing, too large or not JSON.
 * @param {import('node:http').IncomingMessage} request
 * @returns {Promise<unknown>}
 */
async function readJson(request) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.byteLength; // read to the end even when too large, so the answer can be sent
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
