import { BackendError } from '@cachestack/core';
import { command, RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend, RedisTrackingInvalidation, TRACKING_CONNECTION_NAME } from '../src/index.js';
import { TrackedL1, until } from './support/tracked-l1.js';

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
});
