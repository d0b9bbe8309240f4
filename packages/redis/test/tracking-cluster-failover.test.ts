import { EVENT_CHANNEL_NAMES, type InvalidationEvent } from '@cachestack/core';
import { command, RedisCluster, type RedisServer, recordEvents } from '@cachestack/test-support';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  KeyLayout,
  keySlot,
  RedisBackend,
  RedisTrackingInvalidation,
  TRACKING_CONNECTION_NAME,
} from '../src/index.js';
import { StaleReadLoop } from './support/stale-reads.js';
import { cached, TrackedL1, until } from './support/tracked-l1.js';

let cluster: RedisCluster;
let plain: Cluster;
let counter = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // One replica per master; a master unreachable for 2 s is failed over.
  cluster = await RedisCluster.start(3, { replicasPerMaster: 1, nodeTimeoutMs: 2000 });
  plain = new Cluster(cluster.nodes);
  await plain.ping();
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  plain?.disconnect();
  await cluster?.destroy();
});

/** A backend on the Cluster, a 'prefix' tracking source, an L1 fed by it, and 2 keys per master. */
async function setup() {
  const namespace = `track-fo-${process.pid}-${++counter}`;
  const backend = new RedisBackend({ cluster: { nodes: cluster.nodes }, namespace });
  const source = new RedisTrackingInvalidation({ backend, mode: 'prefix' });
  const l1 = new TrackedL1(backend);
  cleanup.push(async () => {
    await source.close();
    await backend.close();
  });
  await l1.attach(source);
  const layout = new KeyLayout(namespace);
  const masters = await cluster.masters();
  const keysByMaster = new Map<RedisServer, string[]>(masters.map((master) => [master, []]));
  const slots = await plain.cluster('SLOTS');
  for (let i = 0; [...keysByMaster.values()].some((keys) => keys.length < 2); i++) {
    const key = `k${i}`;
    const slot = keySlot(layout.dataKey(key));
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    const owner = masters.find((master) => master.port === Number(range?.[2]?.[1]));
    const keys = owner === undefined ? undefined : keysByMaster.get(owner);
    if (keys !== undefined && keys.length < 2) keys.push(key);
  }
  const write = (key: string, value: string) => plain.set(layout.dataKey(key), value);
  return { backend, source, l1, layout, keysByMaster, write };
}

/** The ids of the tracking connections on `server`. */
async function trackingIds(server: RedisServer): Promise<string[]> {
  const list = String(await command(server.port, ['CLIENT', 'LIST']));
  return list
    .split('\n')
    .filter((line) => line.includes(`name=${TRACKING_CONNECTION_NAME}`))
    .map((line) => /id=(\d+)/.exec(line)?.[1] as string);
}

/** Waits until `replica` has applied everything `master` wrote (no acknowledged write is lost at a kill). */
async function replicationCaughtUp(master: RedisServer, replica: RedisServer): Promise<void> {
  const offset = async (server: RedisServer, field: string) =>
    Number(
      new RegExp(`${field}:(\\d+)`).exec(
        String(await command(server.port, ['INFO', 'replication'])),
      )?.[1],
    );
  await until(
    async () =>
      (await offset(replica, 'slave_repl_offset')) >= (await offset(master, 'master_repl_offset')),
    5000,
    'the replica to catch up',
  );
}

interface FailoverContext {
  master: RedisServer;
  replica: RedisServer;
  loop: StaleReadLoop;
  source: RedisTrackingInvalidation;
}

/**
 * Reads keys of every master into L1, runs concurrent reads (through L1)
 * and writes (plain client) around `failover` of one master, and checks
 * what the README promises.
 */
async function failoverScenario(failover: (context: FailoverContext) => Promise<void>) {
  const { source, l1, keysByMaster, write, layout } = await setup();
  const { messages: events } = recordEvents<InvalidationEvent>(EVENT_CHANNEL_NAMES.invalidation, {
    stopWith: onTestFinished,
  });
  expect(source.tracking).toBe(true);
  const [master, keys] = [...keysByMaster.entries()][1] as [RedisServer, string[]];
  const replica = await cluster.replicaOf(master);
  if (replica === undefined) throw new Error(`no replica of ${master.port}`);
  const allKeys = [...keysByMaster.values()].flat();
  const loop = new StaleReadLoop({ l1, source, write, keys: allKeys });
  cleanup.push(async () => void (await loop.stop()));
  await loop.start();
  // Every master's keys are in L1 (cached() waits out the invalidations of the writes).
  for (const key of allKeys) await cached(l1, key);
  await until(() => loop.reads > 200 && loop.writes > 50, 10_000, 'the loops to run');
  const flushesBefore = l1.flushes;
  const eventsBefore = events.length;
  await failover({ master, replica, loop, source });
  await cluster.waitForMaster(replica);
  // The source learns the new master set from ioredis, then tracks the promoted replica.
  await until(
    async () => source.tracking && (await trackingIds(replica)).length === 1,
    20_000,
    'tracking on at the promoted replica',
  );
  // Half the keys are not written any more: a copy that missed an invalidation would stay stale.
  loop.writeOnly(allKeys.filter((_, index) => index % 2 === 0));
  const [readsAtTracking, writesAtTracking] = [loop.reads, loop.writes];
  await until(
    () => loop.reads > readsAtTracking + 400 && loop.writes > writesAtTracking + 100,
    10_000,
    'reads and writes after the failover',
  );
  const summary = await loop.stop();
  console.info(
    `failover: ${summary.reads} reads, ${summary.writes} writes, ${summary.readErrors.length} read errors, ` +
      `${summary.writeErrors} write errors, ${summary.stale.length} stale, ${summary.staleUntracked} stale while untracked`,
  );
  // L1 was flushed at the topology change.
  const flushes = events.slice(eventsBefore).filter((event) => event.kind === 'flush');
  expect(flushes.map((event) => event.reason)).toContain('cluster masters changed');
  expect(l1.flushes).toBeGreaterThan(flushesBefore);
  // Zero stale reads while the source said it was tracking; read errors are classified.
  expect(summary.stale).toEqual([]);
  expect(
    summary.readErrors
      .map((error) => error.type)
      .filter((type) => type !== 'TRANSIENT' && type !== 'TIMEOUT'),
  ).toEqual([]);
  // A plain SET to a key of the promoted replica's slots drops the L1 copy.
  const key = keys[0] as string;
  expect(await cached(l1, key)).toBeDefined();
  await plain.set(layout.dataKey(key), 'after-failover');
  await until(() => !l1.copies.has(key), 2000, 'the invalidation from the promoted replica');
  expect(await l1.get(key)).toBe('after-failover');
  return { master, replica };
}

describe('RedisTrackingInvalidation and a Cluster failover that promotes a replica', () => {
  it('CLUSTER FAILOVER on the replica: flushes, tracks the promoted replica, no stale read', async () => {
    const { master } = await failoverScenario(async ({ replica }) => {
      expect(await command(replica.port, ['CLUSTER', 'FAILOVER'])).toBe('OK');
    });
    // The former master (now a replica) is no longer tracked.
    await until(
      async () => (await trackingIds(master)).length === 0,
      5000,
      'the old tracking connection to close',
    );
  }, 90_000);

  it('SIGKILL of a master: flushes, tracks the promoted replica, no stale read', async () => {
    const { master } = await failoverScenario(async ({ master: victim, replica, loop, source }) => {
      // No acknowledged write may be lost with the master (asynchronous
      // replication): writes pause until the replica caught up; reads go on.
      await loop.hold();
      await replicationCaughtUp(victim, replica);
      await victim.stop('SIGKILL');
      loop.resume();
      // Until the replica is promoted nobody tracks the dead master's slots:
      // `tracking` must not claim otherwise (it did, once the dead node left ioredis' pool).
      let promoted = false;
      let trackingClaimed = 0;
      const probe = setInterval(() => {
        if (!promoted && source.tracking) trackingClaimed += 1;
      }, 0);
      try {
        await until(
          async () => {
            const role = (await command(replica.port, ['ROLE'])) as unknown[];
            promoted = role[0] === 'master';
            return promoted;
          },
          20_000,
          'the promotion of the replica',
        );
      } finally {
        clearInterval(probe);
      }
      expect(trackingClaimed).toBe(0);
    });
    // Rejoins as a replica of the promoted one.
    await master.restart();
  }, 90_000);
});
