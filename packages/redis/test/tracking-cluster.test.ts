import { command, RedisCluster } from '@cachestack/test-support';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  KeyLayout,
  keySlot,
  RedisBackend,
  RedisTrackingInvalidation,
  TRACKING_CONNECTION_NAME,
} from '../src/index.js';
import { TrackedL1, until } from './support/tracked-l1.js';

let cluster: RedisCluster;
let plain: Cluster;
let counter = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  cluster = await RedisCluster.start();
  plain = new Cluster(cluster.nodes);
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  plain?.disconnect();
  await cluster?.destroy();
});

async function setup() {
  const namespace = `track-cl-${process.pid}-${++counter}`;
  const backend = new RedisBackend({ cluster: { nodes: cluster.nodes }, namespace });
  const source = new RedisTrackingInvalidation({ backend });
  const l1 = new TrackedL1(backend);
  cleanup.push(async () => {
    await source.close();
    await backend.close();
  });
  await l1.attach(source);
  return { backend, source, l1, layout: new KeyLayout(namespace) };
}

/** Per server: the ids of its tracking connections. */
async function trackingIdsPerServer(): Promise<string[][]> {
  return Promise.all(
    cluster.servers.map(async (server) => {
      const list = String(await command(server.port, ['CLIENT', 'LIST']));
      return list
        .split('\n')
        .filter((line) => line.includes(`name=${TRACKING_CONNECTION_NAME}`))
        .map((line) => /id=(\d+)/.exec(line)?.[1] as string);
    }),
  );
}

/** One user key per master (by slot ownership). */
async function keyPerMaster(layout: KeyLayout): Promise<string[]> {
  const owners = new Map<string, string>();
  for (let i = 0; owners.size < 3 && i < 1000; i++) {
    const key = `k${i}`;
    const slot = keySlot(layout.dataKey(key));
    const node = (plain.slots[slot] ?? [])[0];
    if (node !== undefined && !owners.has(node)) owners.set(node, key);
  }
  return [...owners.values()];
}

describe('RedisTrackingInvalidation on a 3-master Cluster', () => {
  it('tracks every master: writes by a plain Cluster client on each master reach L1', async () => {
    const { backend, source, l1, layout } = await setup();
    expect(source.tracking).toBe(true);
    expect((await trackingIdsPerServer()).map((ids) => ids.length)).toEqual([1, 1, 1]);
    await plain.ping();
    const keys = await keyPerMaster(layout);
    expect(keys).toHaveLength(3);
    for (const key of keys) await backend.set(key, Buffer.from('v1'));
    await until(() => keys.every((key) => l1.messages.some((m) => m.keys?.includes(key))));
    for (const key of keys) expect(await l1.get(key)).toBe('v1');
    expect(l1.copies.size).toBe(3);
    for (const key of keys) await plain.set(layout.dataKey(key), 'v2');
    await until(() => l1.copies.size === 0, 2000, 'the invalidations from every master');
    for (const key of keys) expect(await l1.get(key)).toBe('v2');
  });

  it('flushes when one master’s tracking connection drops, then tracks it again', async () => {
    const { backend, source, l1, layout } = await setup();
    const [key] = await keyPerMaster(layout);
    await backend.set(key as string, Buffer.from('v1'));
    await l1.get(key as string);
    const flushes = l1.flushes;
    const ids = await trackingIdsPerServer();
    await command(cluster.servers[1]!.port, ['CLIENT', 'KILL', 'ID', ids[1]![0]!]);
    await until(() => l1.flushes >= flushes + 2 && source.tracking, 3000, 'tracking back');
    expect(l1.copies.size).toBe(0);
    expect(await l1.get(key as string)).toBe('v1');
    await plain.set(layout.dataKey(key as string), 'v3');
    await until(() => !l1.copies.has(key as string), 2000, 'the invalidation after reconnect');
  });
});

describe('RedisTrackingInvalidation and a resharding', () => {
  it('flushes when a slot moves to another master', async () => {
    const { backend, source, l1, layout } = await setup();
    const [key] = await keyPerMaster(layout);
    await backend.set(key as string, Buffer.from('v1'));
    expect(await l1.get(key as string)).toBe('v1');
    // An empty slot, moved from its master to the next one.
    const slot = keySlot(layout.dataKey('moved-slot'));
    const ids = await Promise.all(
      cluster.servers.map(async (server) =>
        String(await command(server.port, ['CLUSTER', 'MYID'])),
      ),
    );
    const ownerPort = Number(String((plain.slots[slot] ?? [])[0]).split(':')[1]);
    const ownerIndex = cluster.servers.findIndex((server) => server.port === ownerPort);
    const target = ids[(ownerIndex + 1) % ids.length] as string;
    const flushes = l1.flushes;
    for (const server of cluster.servers) {
      await command(server.port, ['CLUSTER', 'SETSLOT', slot, 'NODE', target]);
    }
    // The backend learns of the move from a MOVED reply and refreshes its slot map.
    await until(
      async () => {
        await backend.exists('moved-slot').catch(() => false);
        return l1.flushes > flushes;
      },
      10_000,
      'the flush after the resharding',
    );
    expect(l1.copies.size).toBe(0);
    expect(source.tracking).toBe(true);
  }, 20_000);
});
