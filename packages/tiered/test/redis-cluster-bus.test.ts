import { randomUUID } from 'node:crypto';
import type { InvalidationMessage } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisServer } from '@cachestack/test-support';
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisInvalidationBus, TieredBackend } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

// A one-node Redis Cluster (every slot on it): enough to show the bus works
// through an ioredis Cluster client (duplicate() gives a Cluster subscriber).
const server = await RedisServer.start({ cluster: true });
const admin = new Redis(server.port, '127.0.0.1');
await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
await waitFor(async () => String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'));
afterAll(async () => {
  admin.disconnect();
  await server.destroy();
});

describe('RedisInvalidationBus over an ioredis Cluster client', () => {
  it('delivers messages between two caches and drops the remote L1 copy', async () => {
    const clusterA = new Cluster([{ host: '127.0.0.1', port: server.port }]);
    const clusterB = new Cluster([{ host: '127.0.0.1', port: server.port }]);
    for (const client of [clusterA, clusterB]) client.on('error', () => {});
    const busA = new RedisInvalidationBus({ client: clusterA });
    const busB = new RedisInvalidationBus({ client: clusterB });
    const namespace = randomUUID();
    // The shared L2 here is one in-process memory backend: the point is the bus.
    const shared = new MemoryBackend();
    const l1b = new MemoryBackend();
    const a = new TieredBackend({
      tiers: [new MemoryBackend(), shared],
      closeTiers: false,
      invalidation: { bus: busA, namespace },
    });
    const b = new TieredBackend({
      tiers: [l1b, shared],
      closeTiers: false,
      invalidation: { bus: busB, namespace },
    });
    try {
      await Promise.all([a.ready(), b.ready()]);
      const seen: InvalidationMessage[] = [];
      await busB.subscribe({ onMessage: (m) => seen.push(m), onReconnect: () => {} });
      await b.set('k', bytes('old'));
      await a.set('k', bytes('new'));
      await waitFor(() => seen.some((m) => m.keys?.includes('k') && m.origin !== seen[0]?.origin));
      await waitFor(async () => (await l1b.get('k')) === undefined);
      expect(text(await b.get('k'))).toBe('new');
    } finally {
      await a.close();
      await b.close();
      await busA.close();
      await busB.close();
      clusterA.disconnect();
      clusterB.disconnect();
      await shared.close();
      await l1b.close();
    }
  });
});
