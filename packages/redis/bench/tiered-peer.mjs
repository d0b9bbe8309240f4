// One tiered cache (memory L1 over RedisBackend L2) joined to an invalidation
// source: the Redis pub/sub bus or Redis tracking. Shared by the staleness
// benchmark's writer and reader processes. Imports the BUILT packages.
import { existsSync } from 'node:fs';

const TIERED = new URL('../../tiered/dist/index.js', import.meta.url);
const MEMORY = new URL('../../memory/dist/index.js', import.meta.url);
if (!existsSync(TIERED) || !existsSync(MEMORY)) {
  console.error(
    'build tiered and memory first: pnpm turbo run build --filter=@cachestack/tiered...',
  );
  process.exit(1);
}
const { TieredBackend, RedisInvalidationBus } = await import(TIERED.href);
const { MemoryBackend } = await import(MEMORY.href);
const { RedisBackend, RedisTrackingInvalidation } = await import('../dist/index.js');
const { Cluster, Redis } = await import('ioredis');

/**
 * @param target - `{ url }` or `{ nodes }` (a Cluster)
 * @param source - `'bus'`, `'prefix'` (tracking, BCAST) or `'reads'` (tracking, default mode)
 * @returns `{ cache, l1, backend, counts, close }`; `counts.messages` counts invalidation
 *   messages delivered to this cache, `counts.flushes` its flushes.
 */
export async function tieredPeer(target, source, namespace, origin) {
  const backend =
    target.url !== undefined
      ? new RedisBackend({ url: target.url, namespace })
      : new RedisBackend({ cluster: { nodes: target.nodes }, namespace });
  // The bus gets a plain client of its own: it subscribes on client.duplicate(),
  // and a duplicate of the backend's lazy Cluster (no offline queue) cannot.
  const busClient =
    source !== 'bus'
      ? undefined
      : target.url !== undefined
        ? new Redis(target.url)
        : new Cluster(target.nodes);
  const inner =
    source === 'bus'
      ? new RedisInvalidationBus({ client: busClient })
      : new RedisTrackingInvalidation({ backend, mode: source });
  const counts = { messages: 0, keys: 0, flushes: 0 };
  // Counts what reaches the cache, then hands it on unchanged.
  const bus = {
    publish: (message) => inner.publish(message),
    close: () => inner.close(),
    subscribe: (handlers) =>
      inner.subscribe({
        onMessage(message) {
          counts.messages += 1;
          counts.keys += message.keys?.length ?? 0;
          return handlers.onMessage(message);
        },
        onReconnect() {
          counts.flushes += 1;
          return handlers.onReconnect();
        },
      }),
  };
  const l1 = new MemoryBackend();
  const cache = new TieredBackend({
    tiers: [l1, backend],
    invalidation: { bus, namespace, origin },
  });
  await cache.ready();
  return {
    cache,
    l1,
    backend,
    counts,
    async close() {
      await cache.close();
      await inner.close();
      busClient?.disconnect();
    },
  };
}
