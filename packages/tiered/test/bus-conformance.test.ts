import { describeInvalidationBusConformance } from '@cachestack/conformance';
import type { BaseBackend, InvalidationBus } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { LocalInvalidationBus, RedisInvalidationBus, TieredBackend } from '../src/index.js';

// The invalidation-bus kit against tiered's two buses, with TieredBackend
// nodes (memory L1 capped by maxTtlMs over a shared L2). The kit wraps every
// bus to drop, duplicate and reorder deliveries; reconnects are real
// (CLIENT KILL of the Redis subscriber connections) or simulated (local bus).

const closers: (() => Promise<unknown>)[] = [];
async function closeAll(): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
}

const localBuses = new Map<string, LocalInvalidationBus>();
const localStores = new Map<string, MemoryBackend>();

function sharedMemory(namespace: string): MemoryBackend {
  let store = localStores.get(namespace);
  if (store === undefined) {
    store = new MemoryBackend();
    localStores.set(namespace, store);
    closers.push(() => store!.close());
  }
  return store;
}

function tieredNode(
  l2: BaseBackend,
  bus: InvalidationBus,
  namespace: string,
  origin: string,
  localTtlCapMs: number,
): TieredBackend {
  const l1 = new MemoryBackend();
  const node = new TieredBackend({
    tiers: [{ backend: l1, maxTtlMs: localTtlCapMs }, l2],
    invalidation: { bus, namespace, origin },
    closeTiers: false,
  });
  closers.push(() => l1.close());
  return node;
}

describeInvalidationBusConformance('LocalInvalidationBus', {
  // One bus per namespace connects every node of it (in one process).
  createBus: ({ namespace }) => {
    let bus = localBuses.get(namespace);
    if (bus === undefined) {
      bus = new LocalInvalidationBus();
      localBuses.set(namespace, bus);
    }
    return bus;
  },
  createNode: ({ namespace, bus, origin, localTtlCapMs }) =>
    tieredNode(sharedMemory(namespace), bus, namespace, origin, localTtlCapMs),
  reconnect: async (bus) => (bus as LocalInvalidationBus).simulateReconnect(),
  deliveryMs: 500,
  cleanup: async () => {
    localBuses.clear();
    localStores.clear();
    await closeAll();
  },
});

const server = await RedisServer.start();
afterAll(() => server.destroy());
const admin = new Redis(server.url);
afterAll(() => admin.quit());

describeInvalidationBusConformance('RedisInvalidationBus (real redis-server)', {
  createBus: ({ namespace }) => {
    const client = new Redis(server.url);
    client.on('error', () => {}); // CLIENT KILL drops connections on purpose
    closers.push(() => client.quit());
    return new RedisInvalidationBus({ client, channel: `cachestack:invalidate:${namespace}` });
  },
  createNode: ({ namespace, bus, origin, localTtlCapMs }) => {
    const l2 = new RedisBackend({ url: server.url, namespace });
    closers.push(() => l2.close());
    return tieredNode(l2, bus, namespace, origin, localTtlCapMs);
  },
  // Drops every subscriber connection; ioredis reconnects and the bus reports it.
  reconnect: async () => {
    await admin.client('KILL', 'TYPE', 'pubsub');
  },
  deliveryMs: 2_000,
  cleanup: closeAll,
});
