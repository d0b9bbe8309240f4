import { BackendError } from '@cachestack/core';
import { command, RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';

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
});
