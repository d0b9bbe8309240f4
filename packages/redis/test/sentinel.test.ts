import { BackendError } from '@cachestack/core';
import { command, RedisServer } from '@cachestack/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend, RedisTrackingInvalidation, TRACKING_CONNECTION_NAME } from '../src/index.js';
import { StaleReadLoop } from './support/stale-reads.js';
import { cached, TrackedL1, until } from './support/tracked-l1.js';

const MASTER_NAME = 'cachestack';
let master: RedisServer;
let replica: RedisServer;
let sentinels: RedisServer[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function masterPort(): Promise<number> {
  const [, port] = (await command(sentinels[0]!.port, [
    'SENTINEL',
    'GET-MASTER-ADDR-BY-NAME',
    MASTER_NAME,
  ])) as [string, string];
  return Number(port);
}

beforeAll(async () => {
  master = await RedisServer.start();
  replica = await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  for (let i = 0; i < 3; i++) {
    sentinels.push(
      await RedisServer.start({
        sentinel: [
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 2000`,
          `sentinel failover-timeout ${MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
        ],
      }),
    );
  }
  await waitFor('the replica to sync', async () =>
    String(await command(replica.port, ['INFO', 'replication'])).includes('master_link_status:up'),
  );
  await waitFor('the sentinels to see the replica and each other', async () => {
    for (const sentinel of sentinels) {
      const replicas = (await command(sentinel.port, [
        'SENTINEL',
        'REPLICAS',
        MASTER_NAME,
      ])) as unknown[];
      const others = (await command(sentinel.port, [
        'SENTINEL',
        'SENTINELS',
        MASTER_NAME,
      ])) as unknown[];
      if (replicas.length !== 1 || others.length !== 2) return false;
    }
    return true;
  });
});

afterAll(async () => {
  await Promise.all([...sentinels, master, replica].map((server) => server?.destroy()));
  sentinels = [];
});

describe('RedisBackend through Sentinel', () => {
  it('survives a forced failover with only TRANSIENT errors and then works', async () => {
    const cache = new RedisBackend({
      redis: {
        sentinels: sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
        name: MASTER_NAME,
      },
      namespace: 'sentinel',
    });
    try {
      expect(cache.topology).toBe('sentinel');
      await cache.set('before', Buffer.from('x'));
      const errors: BackendError[] = [];
      let ops = 0;
      let running = true;
      const loop = (async () => {
        while (running) {
          try {
            await cache.set(`k${ops % 50}`, Buffer.from(String(ops)));
            await cache.get(`k${ops % 50}`);
            ops++;
          } catch (error) {
            expect(error).toBeInstanceOf(BackendError);
            errors.push(error as BackendError);
          }
          await sleep(10);
        }
      })();
      const oldMaster = await masterPort();
      expect(oldMaster).toBe(master.port);
      expect(await command(sentinels[0]!.port, ['SENTINEL', 'FAILOVER', MASTER_NAME])).toBe('OK');
      await waitFor('the failover', async () => (await masterPort()) === replica.port);
      const opsAtSwitch = ops;
      // the same instance must keep working against the new master
      await waitFor('operations on the new master', async () => ops > opsAtSwitch + 20);
      running = false;
      await loop;
      console.info(
        `sentinel failover: ${ops} ops, ${errors.length} errors (${[...new Set(errors.map((e) => e.message))].join(' | ')})`,
      );
      expect(errors.map((error) => error.type).filter((type) => type !== 'TRANSIENT')).toEqual([]);
      await cache.set('after', Buffer.from('y'));
      expect(Buffer.from((await cache.get('after'))!).toString()).toBe('y');
      expect(Number(await command(replica.port, ['EXISTS', 'cs:sentinel:d:after']))).toBe(1);
      const health = await cache.healthCheck();
      expect(health.healthy).toBe(true);
      expect(health.details).toMatchObject({ topology: 'sentinel', role: 'master' });
    } finally {
      await cache.close();
    }
  });

  it('tracking follows the failover: flushes, tracks on the new master, invalidates again', async () => {
    const cache = new RedisBackend({
      redis: {
        sentinels: sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
        name: MASTER_NAME,
      },
      namespace: 'sentinel-tracking',
    });
    const source = new RedisTrackingInvalidation({ backend: cache });
    const l1 = new TrackedL1(cache);
    try {
      await l1.attach(source);
      expect(source.tracking).toBe(true);
      const before = await masterPort();
      const after = before === master.port ? replica.port : master.port;
      await waitFor('the other server to be an up-to-date replica', async () =>
        String(await command(after, ['INFO', 'replication'])).includes('master_link_status:up'),
      );
      await cache.set('k', Buffer.from('v1'));
      await until(
        () => l1.messages.some((message) => message.keys?.includes('k')),
        2000,
        'own write',
      );
      expect(await l1.get('k')).toBe('v1');
      // A forced failover does not wait for replication: let the write arrive first.
      await waitFor(
        'the write on the replica',
        async () => (await command(after, ['GET', 'cs:sentinel-tracking:d:k'])) === 'v1',
      );
      const flushes = l1.flushes;
      await waitFor('a failover', async () => {
        await command(sentinels[0]!.port, ['SENTINEL', 'FAILOVER', MASTER_NAME]).catch(() => 0);
        return (await masterPort()) === after;
      });
      await until(() => l1.flushes >= flushes + 2 && source.tracking, 20_000, 'tracking back');
      expect(l1.copies.size).toBe(0);
      const list = String(await command(after, ['CLIENT', 'LIST']));
      expect(list).toContain(`name=${TRACKING_CONNECTION_NAME}`);
      expect(await l1.get('k')).toBe('v1');
      await command(after, ['SET', 'cs:sentinel-tracking:d:k', 'v2']);
      await until(() => !l1.copies.has('k'), 2000, 'the invalidation from the new master');
      expect(await l1.get('k')).toBe('v2');
    } finally {
      await source.close();
      await cache.close();
    }
  }, 60_000);

  it("mode 'reads': a plain SET drops the copy; after a failover reads are tracked at the new master, no stale read", async () => {
    const sentinelNodes = sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port }));
    const namespace = 'sentinel-reads';
    const dataKey = (key: string) => `cs:${namespace}:d:${key}`;
    const cache = new RedisBackend({
      redis: { sentinels: sentinelNodes, name: MASTER_NAME },
      namespace,
    });
    const source = new RedisTrackingInvalidation({ backend: cache, mode: 'reads' });
    const l1 = new TrackedL1(cache);
    // A client that is not cachestack's, following the master through Sentinel too.
    const plain = new Redis({
      sentinels: sentinelNodes,
      name: MASTER_NAME,
      maxRetriesPerRequest: 1,
    });
    plain.on('error', () => undefined);
    let loop: StaleReadLoop | undefined;
    try {
      await l1.attach(source);
      expect(source.tracking).toBe(true);
      await cache.set('k', Buffer.from('v1'));
      expect(await cached(l1, 'k')).toBe('v1');
      await plain.set(dataKey('k'), 'v2');
      await until(() => !l1.copies.has('k'), 2000, 'the invalidation of a read key');
      expect(await l1.get('k')).toBe('v2');

      const before = await masterPort();
      const after = before === master.port ? replica.port : master.port;
      const keys = ['r0', 'r1', 'r2', 'r3'];
      loop = new StaleReadLoop({
        l1,
        source,
        keys,
        write: (key, value) => plain.set(dataKey(key), value),
      });
      await loop.start();
      await until(() => loop!.reads > 200 && loop!.writes > 50, 10_000, 'the loops to run');
      // A forced failover does not wait for replication, and the old master takes
      // writes until Sentinel demotes it: writes pause (reads go on) until it is a replica.
      await loop.hold();
      await waitFor('the replica to catch up', async () => {
        const offset = async (port: number, field: string) =>
          Number(
            new RegExp(`${field}:(\\d+)`).exec(
              String(await command(port, ['INFO', 'replication'])),
            )?.[1],
          );
        return (
          (await offset(after, 'slave_repl_offset')) >= (await offset(before, 'master_repl_offset'))
        );
      });
      const flushes = l1.flushes;
      await waitFor('a failover', async () => {
        await command(sentinels[0]!.port, ['SENTINEL', 'FAILOVER', MASTER_NAME]).catch(() => 0);
        return (await masterPort()) === after;
      });
      await waitFor('the old master to be a replica', async () =>
        String(await command(before, ['INFO', 'replication'])).includes('role:slave'),
      );
      loop.resume();
      await until(() => l1.flushes >= flushes + 2 && source.tracking, 20_000, 'tracking back');
      // Half the keys are not written any more: a copy that missed an invalidation would stay stale.
      loop.writeOnly(['r0', 'r1']);
      const [readsAtTracking, writesAtTracking] = [loop.reads, loop.writes];
      await until(
        () => loop!.reads > readsAtTracking + 400 && loop!.writes > writesAtTracking + 100,
        10_000,
        'reads and writes after the failover',
      );
      const summary = await loop.stop();
      console.info(
        `sentinel 'reads' failover: ${summary.reads} reads, ${summary.writes} writes, ${summary.readErrors.length} read errors, ` +
          `${summary.writeErrors} write errors, ${summary.stale.length} stale, ${summary.staleUntracked} stale while untracked`,
      );
      expect(summary.stale).toEqual([]);
      expect(
        summary.readErrors
          .map((error) => error.type)
          .filter((type) => type !== 'TRANSIENT' && type !== 'TIMEOUT'),
      ).toEqual([]);
      // The backend's reads are tracked at the new master, redirected to a tracking connection there.
      const backendInfo = String(await (cache.client as Redis).client('INFO'));
      expect(backendInfo).toMatch(/flags=\S*t/);
      const redirect = Number(await (cache.client as Redis).call('CLIENT', 'GETREDIR'));
      const list = String(await command(after, ['CLIENT', 'LIST'])).split('\n');
      expect(list.find((line) => line.startsWith(`id=${redirect} `))).toContain(
        `name=${TRACKING_CONNECTION_NAME}`,
      );
      expect(await cached(l1, 'k')).toBe('v2');
      await command(after, ['SET', dataKey('k'), 'v3']);
      await until(() => !l1.copies.has('k'), 2000, 'the invalidation from the new master');
      expect(await l1.get('k')).toBe('v3');
    } finally {
      await loop?.stop();
      plain.disconnect();
      await source.close();
      await cache.close();
    }
  }, 90_000);
});
