import { describeBackendConformance } from '@cachestack/conformance';
import { command, RedisCluster } from '@cachestack/test-support';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyLayout, keySlot, RedisBackend } from '../src/index.js';
import { awaitClientsUnpaused, pauseClients } from './support/client-pause.js';

let cluster: RedisCluster;
const backends: RedisBackend[] = [];
let counter = 0;

function backend(namespace = `cl-${process.pid}-${++counter}`) {
  const created = new RedisBackend({ cluster: { nodes: cluster.nodes }, namespace });
  backends.push(created);
  return created;
}

async function statsPerNode(name: string): Promise<number[]> {
  return Promise.all(
    cluster.servers.map(async (server) => {
      const info = String(await command(server.port, ['INFO', 'commandstats']));
      return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    }),
  );
}

async function resetStats(): Promise<void> {
  await Promise.all(cluster.servers.map((server) => command(server.port, ['CONFIG', 'RESETSTAT'])));
}

async function keysPerNode(pattern: string): Promise<number[]> {
  return Promise.all(
    cluster.servers.map(async (server) => {
      let cursor = '0';
      let count = 0;
      do {
        const [next, keys] = (await command(server.port, [
          'SCAN',
          cursor,
          'MATCH',
          pattern,
          'COUNT',
          1000,
        ])) as [string, string[]];
        cursor = next;
        count += keys.length;
      } while (cursor !== '0');
      return count;
    }),
  );
}

beforeAll(async () => {
  cluster = await RedisCluster.start(3);
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((created) => created.close()));
});
afterAll(async () => {
  await cluster?.destroy();
});

describe('RedisBackend on a 3-master Cluster', () => {
  it('computes the same slots as the server', async () => {
    const port = cluster.servers[0]!.port;
    for (const key of [
      'cs:users:d:42',
      'foo',
      '{user1}:a',
      'a{}b',
      'é☃ key',
      'x{y}z{w}',
      '{}{a}',
    ]) {
      expect(keySlot(key), key).toBe(Number(await command(port, ['CLUSTER', 'KEYSLOT', key])));
    }
  });

  it('spreads one namespace over every master (no namespace-wide hash tag)', async () => {
    const cache = backend();
    await cache.setMany(
      Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: Buffer.from([i]) })),
    );
    const perNode = await keysPerNode(`cs:${cache.namespace}:d:*`);
    expect(perNode.every((count) => count > 0)).toBe(true);
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(60);
  });

  it('groups batch reads by slot: one MGET per slot, no per-key GET', async () => {
    const cache = backend();
    const keys = Array.from({ length: 40 }, (_, i) => `{tag${i % 5}}:k${i}`);
    await cache.setMany(keys.map((key) => ({ key, value: Buffer.from(key) })));
    await resetStats();
    const values = await cache.getMany([...keys, 'missing']);
    expect(values.slice(0, 40).map((value) => Buffer.from(value!).toString())).toEqual(keys);
    expect(values[40]).toBeUndefined();
    const layout = new KeyLayout(cache.namespace);
    const slots = new Set([...keys, 'missing'].map((key) => keySlot(layout.dataKey(key))));
    const mgets = await statsPerNode('mget');
    expect(mgets.reduce((a, b) => a + b, 0)).toBe(slots.size);
    expect((await statsPerNode('get')).reduce((a, b) => a + b, 0)).toBe(0);
    await resetStats();
    const coalesced = await Promise.all(keys.map((key) => cache.get(key)));
    expect(coalesced.map((value) => Buffer.from(value!).toString())).toEqual(keys);
    expect((await statsPerNode('mget')).reduce((a, b) => a + b, 0)).toBe(5);
    expect(await cache.deleteMany(keys)).toBe(40);
  });

  it('coalesces same-tick sets per slot: one MSET or script call per slot, in issue order', async () => {
    const cache = backend();
    const keys = Array.from({ length: 40 }, (_, i) => `{tag${i % 5}}:k${i}`);
    // Connects the lazy Cluster and loads the set script on every node.
    await Promise.all(keys.map((key) => cache.set(key, Buffer.from('warm-up'), 1000)));
    await resetStats();
    await Promise.all(keys.map((key) => cache.set(key, Buffer.from('first'))));
    expect((await statsPerNode('mset')).reduce((a, b) => a + b, 0)).toBe(5);
    expect((await statsPerNode('set')).reduce((a, b) => a + b, 0)).toBe(0);
    await resetStats();
    // With TTLs: one script call per slot; a key set twice in the tick keeps the later value.
    await Promise.all([
      ...keys.map((key, i) => cache.set(key, Buffer.from(`v${i}`), 60_000)),
      cache.set(keys[0] as string, Buffer.from('last')),
    ]);
    const scripts = [...(await statsPerNode('evalsha')), ...(await statsPerNode('eval'))];
    expect(scripts.reduce((a, b) => a + b, 0)).toBe(5); // (their SETs run inside the script)
    const values = await cache.getMany(keys);
    expect(Buffer.from(values[0]!).toString()).toBe('last');
    expect(values.slice(1).map((value) => Buffer.from(value!).toString())).toEqual(
      keys.slice(1).map((_, i) => `v${i + 1}`),
    );
    expect(await cache.getTtl(keys[0] as string)).toBe(Number.POSITIVE_INFINITY);
    expect(await cache.getTtl(keys[1] as string)).toBeGreaterThan(50_000);
  });

  it('corks each node socket for the tick: same-tick commands leave in one write per node', async () => {
    const cache = backend();
    await cache.exists('{one}:warm-up'); // node connections are lazy: open this one
    const client = cache.client as Cluster;
    const keys = Array.from({ length: 20 }, (_, i) => `{one}:k${i}`);
    const node = client.nodes('master').find((candidate) => {
      const slot = keySlot(new KeyLayout(cache.namespace).dataKey(keys[0] as string));
      return client.slots[slot]?.[0] === `${candidate.options.host}:${candidate.options.port}`;
    });
    const stream = node?.stream as unknown as {
      _write: (...args: unknown[]) => void;
      _writev: (...args: unknown[]) => void;
    };
    let writes = 0;
    const write = stream._write;
    const writev = stream._writev;
    stream._write = function (...args) {
      writes += 1;
      return write.apply(this, args);
    };
    stream._writev = function (...args) {
      writes += 1;
      return writev.apply(this, args);
    };
    let sentBeforeNextTurn = -1;
    try {
      const burst = Promise.all(keys.map((key) => cache.exists(key)));
      // Sent at the end of this tick, not one event-loop turn later (auto-pipelining's setImmediate).
      await new Promise((resolve) => process.nextTick(resolve));
      sentBeforeNextTurn = writes;
      await burst;
    } finally {
      stream._write = write;
      stream._writev = writev;
    }
    expect(sentBeforeNextTurn).toBe(1);
    expect(writes).toBe(1);
  });

  it('clear() removes the namespace from every master and nothing else', async () => {
    const cache = backend();
    const other = backend(`${cache.namespace}:archive`);
    const entries = Array.from({ length: 90 }, (_, i) => ({
      key: `k${i}`,
      value: Buffer.from('x'),
    }));
    await cache.setMany(entries);
    await other.setMany(entries);
    expect((await keysPerNode(`cs:${cache.namespace}:d:*`)).every((count) => count > 0)).toBe(true);
    await cache.clear();
    expect(await keysPerNode(`cs:${cache.namespace}:d:*`)).toEqual([0, 0, 0]);
    const keys: string[] = [];
    for await (const key of other.keys()) keys.push(key);
    expect(keys.length).toBe(90);
  });

  it('locks, health and TTLs work across slots', async () => {
    const cache = backend();
    const lock = await cache.acquireLock('{user1}:job', { ttlMs: 5_000 });
    expect(lock).toBeDefined();
    expect(await cache.acquireLock('{user1}:job', { ttlMs: 5_000 })).toBeUndefined();
    expect(await lock!.extend(10_000)).toBe(true);
    expect(await lock!.release()).toBe(true);
    await cache.set('t', Buffer.from('v'), 60_000);
    expect(await cache.getTtl('t')).toBeGreaterThan(50_000);
    const health = await cache.healthCheck();
    expect(health.healthy).toBe(true);
    expect(health.details).toMatchObject({ topology: 'cluster', clusterState: 'ok', masters: 3 });
  });

  it('reads values with their TTLs across slots (one script call per hash slot, no CROSSSLOT)', async () => {
    const cache = backend();
    const keys = Array.from({ length: 30 }, (_, i) => `t${i}`);
    await cache.setMany(keys.map((key) => ({ key, value: Buffer.from(key), ttlMs: 60_000 })));
    const slots = new Set(keys.map((key) => keySlot(`cs:${cache.namespace}:d:${key}`)));
    expect(slots.size).toBeGreaterThan(1);
    const coalesced = await Promise.all([...keys, 'missing'].map((key) => cache.getWithTtl(key)));
    const batch = await cache.getManyWithTtl([...keys, 'missing']);
    for (const results of [coalesced, batch]) {
      expect(results.map((result) => result && Buffer.from(result.value).toString())).toEqual([
        ...keys,
        undefined,
      ]);
      for (const result of results.slice(0, keys.length)) {
        expect(result?.ttlMs).toBeGreaterThan(50_000);
      }
    }
  });
});

describe('the slowDown fault of the Cluster conformance run', () => {
  it('holds commands on every master for the delay; restore returns after the held ones ran', async () => {
    const delayMs = 300;
    // Connected before the pause, like a backend's node connections.
    const clients = cluster.servers.map(
      (server) => new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true }),
    );
    try {
      await Promise.all(clients.map((client) => client.ping()));
      await pauseClients(cluster.servers, delayMs);
      const started = performance.now();
      const heldMs: number[] = [];
      const pings = clients.map((client) =>
        client.ping().then(() => heldMs.push(performance.now() - started)),
      );
      await awaitClientsUnpaused(cluster.servers);
      expect(heldMs).toHaveLength(cluster.servers.length);
      for (const held of heldMs) expect(held).toBeGreaterThanOrEqual(delayMs);
      await Promise.all(pings);
    } finally {
      for (const client of clients) client.disconnect();
    }
  });
});

describeBackendConformance('RedisBackend (3-master Cluster)', {
  create: ({ namespace }) =>
    new RedisBackend({
      cluster: { nodes: cluster.nodes },
      namespace,
      maxValueBytes: 8 * 1024 * 1024,
    }),
  capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
  tracingChannel: 'cachestack:backend',
  sharedStore: true,
  maxValueBytes: 8 * 1024 * 1024,
  // Redis expires on its own clock from when SET arrives; a fresh backend's
  // first SET waits for the lazy Cluster connection (seeds, CLUSTER SLOTS,
  // node connections), which takes a while on a loaded CI box.
  timingSlackMs: 600,
  faults: {
    makeUnavailable: () => cluster.stop(),
    makeAvailable: () => cluster.restart(),
    unavailableErrorType: 'TRANSIENT',
    // Real server-side latency on every master (no proxy, so no natMap):
    // CLIENT PAUSE holds every client's commands; restore waits until each
    // master serves clients again.
    slowDown: (delayMs) => pauseClients(cluster.servers, delayMs),
    restoreSpeed: () => awaitClientsUnpaused(cluster.servers),
    // An ACL user that does not exist: every node answers WRONGPASS.
    createWithBadCredentials: async ({ namespace }) =>
      new RedisBackend({
        cluster: {
          nodes: cluster.nodes,
          options: { redisOptions: { username: 'nobody', password: 'wrong-password' } },
        },
        namespace,
      }),
  },
});
