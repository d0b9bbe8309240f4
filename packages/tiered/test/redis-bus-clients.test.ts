import { randomUUID } from 'node:crypto';
import { BackendError, BackendErrorCode, BackendErrorType } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisCluster, RedisServer } from '@cachestack/test-support';
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisInvalidationBus, TieredBackend, type TierFailureEvent } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

// Issue 19: the bus subscribes on `client.duplicate()`, which inherits the
// client's options. A lazy client whose offline queue is disabled (RedisBackend's
// own Cluster is one) made that SUBSCRIBE fail; these run the bus over every
// kind of client an application hands it, on real servers.
const cluster = await RedisCluster.start();
const server = await RedisServer.start();
afterAll(async () => {
  await cluster.destroy();
  await server.destroy();
});

type Client = Redis | Cluster;

/** Two tiered caches (memory L1 over a shared L2), each with its own bus over its own client. */
async function expectCrossInstanceInvalidation(
  makeClient: () => Client,
  makeL2: (client: Client) => { l2: RedisBackend | MemoryBackend; shared: boolean },
): Promise<void> {
  const clients = [makeClient(), makeClient()];
  for (const client of clients) client.on('error', () => {});
  const namespace = randomUUID();
  const degraded: TierFailureEvent[] = [];
  const sharedMemory = new MemoryBackend();
  const l1s = [new MemoryBackend(), new MemoryBackend()];
  const buses = clients.map((client) => new RedisInvalidationBus({ client }));
  const caches = clients.map((client, i) => {
    const { l2, shared } = makeL2(client);
    return new TieredBackend({
      tiers: [l1s[i] as MemoryBackend, shared ? sharedMemory : l2],
      invalidation: { bus: buses[i] as RedisInvalidationBus, namespace },
      onDegraded: (event) => degraded.push(event),
    });
  });
  const [a, b] = caches as [TieredBackend, TieredBackend];
  try {
    await Promise.all([a.ready(), b.ready()]);
    expect(degraded.map((event) => `${event.operation}: ${event.error.message}`)).toEqual([]);
    await b.set('k', bytes('old'));
    expect(text(await (l1s[1] as MemoryBackend).get('k'))).toBe('old');
    await a.set('k', bytes('new'));
    await waitFor(async () => (await (l1s[1] as MemoryBackend).get('k')) === undefined);
    expect(text(await b.get('k'))).toBe('new');
    expect(degraded).toEqual([]);
  } finally {
    await Promise.all(caches.map((cache) => cache.close()));
    await Promise.all(buses.map((bus) => bus.close()));
    for (const client of clients) client.disconnect();
    await sharedMemory.close();
  }
}

const memoryL2 = () => ({ l2: new MemoryBackend(), shared: true });

describe('RedisInvalidationBus over the clients applications create', () => {
  it('a lazy Cluster owned by a RedisBackend (offline queue disabled): the remote L1 copy is dropped', async () => {
    // The bus is given the RedisBackend's own client, still lazy when the bus subscribes.
    const backends: RedisBackend[] = [];
    const namespace = randomUUID();
    const makeBackendClient = () => {
      const backend = new RedisBackend({ cluster: { nodes: cluster.nodes }, namespace });
      backends.push(backend);
      expect(backend.client.status).toBe('wait');
      return backend.client;
    };
    const backendOf = (client: Client) => {
      const backend = backends.find((candidate) => candidate.client === client);
      if (backend === undefined) throw new Error('no backend for this client');
      return { l2: backend, shared: false };
    };
    await expectCrossInstanceInvalidation(makeBackendClient, backendOf);
  });

  it('a lazy Cluster with its offline queue disabled, over any L2', async () => {
    await expectCrossInstanceInvalidation(
      () => new Cluster(cluster.nodes, { lazyConnect: true, enableOfflineQueue: false }),
      memoryL2,
    );
  });

  it('concurrent first publishes on a lazy Cluster without offline queue all arrive', async () => {
    const nodes = cluster.nodes;
    const publisher = new Cluster(nodes, { lazyConnect: true, enableOfflineQueue: false });
    const listener = new Cluster(nodes, { lazyConnect: true, enableOfflineQueue: false });
    for (const client of [publisher, listener]) client.on('error', () => {});
    const sending = new RedisInvalidationBus({ client: publisher });
    const receiving = new RedisInvalidationBus({ client: listener });
    const received: string[] = [];
    try {
      await receiving.subscribe({
        onMessage: (message) => received.push(message.origin),
        onReconnect: () => {},
      });
      const origins = ['one', 'two', 'three'];
      await Promise.all(
        origins.map((origin) => sending.publish({ origin, namespace: 'n', kind: 'clear' })),
      );
      await waitFor(() => received.length === origins.length);
      expect(received.sort()).toEqual([...origins].sort());
    } finally {
      await sending.close();
      await receiving.close();
      publisher.disconnect();
      listener.disconnect();
    }
  });

  it('a lazy Cluster with the default options', async () => {
    await expectCrossInstanceInvalidation(
      () => new Cluster(cluster.nodes, { lazyConnect: true }),
      memoryL2,
    );
  });

  it('a connected Cluster with its offline queue disabled', async () => {
    await expectCrossInstanceInvalidation(() => {
      const client = new Cluster(cluster.nodes, { enableOfflineQueue: false });
      return client;
    }, memoryL2);
  });

  it('a standalone lazy client, with and without an offline queue', async () => {
    for (const enableOfflineQueue of [true, false]) {
      await expectCrossInstanceInvalidation(
        () => new Redis(server.port, '127.0.0.1', { lazyConnect: true, enableOfflineQueue }),
        memoryL2,
      );
    }
  });
});

describe('RedisInvalidationBus over a client it cannot use', () => {
  it('rejects construction with a TypeError naming the client', () => {
    const notAClient = { publish: async () => 1, duplicate: () => notAClient };
    expect(() => new RedisInvalidationBus({ client: notAClient as unknown as Redis })).toThrowError(
      new TypeError('client must be an ioredis Redis or Cluster instance'),
    );
  });

  const unreachable: [string, () => Client][] = [
    ['a lazy Cluster', () => new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true })],
    [
      'a lazy Cluster without offline queue',
      () =>
        new Cluster([{ host: '127.0.0.1', port: 1 }], {
          lazyConnect: true,
          enableOfflineQueue: false,
        }),
    ],
    [
      'a standalone client retrying forever',
      () => new Redis(1, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: null }),
    ],
  ];
  /** Both bus operations over `client` fail with the given classification (and never hang). */
  async function expectBusFailures(client: Client, expected: { type: string; code: string }) {
    client.on('error', () => {});
    const bus = new RedisInvalidationBus({ client });
    try {
      for (const attempt of [
        () => bus.subscribe({ onMessage: () => {}, onReconnect: () => {} }),
        () => bus.publish({ origin: 'o', namespace: 'n', kind: 'clear' }),
      ]) {
        const error = await attempt().then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(BackendError);
        expect(error).toMatchObject(expected);
      }
    } finally {
      await bus.close();
      client.disconnect();
    }
  }

  it('fails subscribe() and publish() with AUTHENTICATION on a wrong password, never hangs', async () => {
    const guarded = await RedisServer.start({ password: 'right-password' });
    try {
      const client = new Redis(guarded.port, '127.0.0.1', {
        lazyConnect: true,
        password: 'wrong-password',
        maxRetriesPerRequest: 0,
      });
      await expectBusFailures(client, {
        type: BackendErrorType.AUTHENTICATION,
        code: BackendErrorCode.AUTHENTICATION_FAILED,
      });
    } finally {
      await guarded.destroy();
    }
  }, 10_000);

  for (const [name, makeClient] of unreachable) {
    it(`fails subscribe() and publish() with TRANSIENT UNAVAILABLE, never hangs: ${name}`, async () => {
      await expectBusFailures(makeClient(), {
        type: BackendErrorType.TRANSIENT,
        code: BackendErrorCode.UNAVAILABLE,
      });
    }, 10_000);
  }
});
