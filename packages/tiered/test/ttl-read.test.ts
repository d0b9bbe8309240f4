import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { command, RedisServer } from '@cachestack/test-support';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTtlReadable, TieredBackend } from '../src/index.js';
import { bytes, sleep, text } from './support/helpers.js';

// An L2 hit over Redis reads the value and its remaining TTL in one round
// trip (RedisBackend's TTL-read protocol: one GET+PTTL script), checked on a
// real redis-server through its own command counters.
let server: RedisServer;
const open: { close(): Promise<void> }[] = [];
let counter = 0;

beforeAll(async () => {
  server = await RedisServer.start();
}, 30_000);
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});
afterAll(async () => {
  await server?.destroy();
});

async function memoryOverRedis(): Promise<{
  cache: TieredBackend;
  l1: MemoryBackend;
  l2: RedisBackend;
}> {
  const l1 = new MemoryBackend();
  const l2 = new RedisBackend({
    url: server.url,
    namespace: `ttl-read-${process.pid}-${++counter}`,
  });
  const cache = new TieredBackend({ tiers: [l1, l2] });
  open.push(cache);
  // Connect and load the script, so the counters below see only the reads under test.
  await l2.getWithTtl('warm-up');
  await command(server.port, ['CONFIG', 'RESETSTAT']);
  return { cache, l1, l2 };
}

/**
 * Calls per command name since the last reset (`INFO commandstats`). Redis
 * also counts the commands a script runs: one TTL read of N keys shows as
 * `script: 1` (the one round trip) plus `get: N, pttl: N` (inside it).
 */
async function commandCalls(): Promise<Record<string, number>> {
  const info = String(await command(server.port, ['INFO', 'commandstats']));
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
    // The counters' own INFO call counts too.
    // ioredis sends a script with EVALSHA, or EVAL when the connection may not have it yet.
    const name = match[1] === 'eval' || match[1] === 'evalsha' ? 'script' : (match[1] as string);
    if (name !== 'info') calls[name] = (calls[name] ?? 0) + Number(match[2]);
  }
  return calls;
}

describe('L2 hits over Redis read the value and its TTL in one round trip', () => {
  it('RedisBackend offers the TTL-read protocol', () => {
    const l2 = new RedisBackend({ url: server.url, namespace: 'protocol' });
    open.push(l2);
    expect(isTtlReadable(l2)).toBe(true);
    expect(isTtlReadable(new MemoryBackend())).toBe(false);
  });

  it('one script call per L2 hit (no second round trip for the TTL), and the L1 copy expires no later than L2', async () => {
    const { cache, l1, l2 } = await memoryOverRedis();
    await l2.set('k', bytes('v'), 10_000);
    await l2.set('forever', bytes('f'));
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    expect(text(await cache.get('k'))).toBe('v');
    expect(await commandCalls()).toEqual({ script: 1, get: 1, pttl: 1 });
    expect(text(await cache.get('forever'))).toBe('f');
    const l2Ttl = (await l2.getTtl('k')) as number;
    const l1Ttl = (await l1.getTtl('k')) as number;
    expect(l1Ttl).toBeGreaterThan(9_000);
    expect(l1Ttl).toBeLessThanOrEqual(l2Ttl);
    expect(await l1.getTtl('forever')).toBe(Number.POSITIVE_INFINITY);
    // The next reads are L1 hits: nothing more reaches Redis.
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    expect(text(await cache.get('k'))).toBe('v');
    expect(text(await cache.get('forever'))).toBe('f');
    expect(await commandCalls()).toEqual({});
  });

  it('a backfilled copy never outlives the Redis entry', async () => {
    const { cache, l1, l2 } = await memoryOverRedis();
    await l2.set('k', bytes('v'), 300);
    await sleep(100);
    expect(text(await cache.get('k'))).toBe('v');
    const l1Ttl = (await l1.getTtl('k')) as number;
    expect(l1Ttl).toBeLessThanOrEqual(200);
    await sleep(220);
    expect(await l2.get('k')).toBeUndefined();
    expect(await l1.get('k')).toBeUndefined();
    expect(await cache.get('k')).toBeUndefined();
  });

  it('same-tick L2 hits of different keys share one script call; each caller gets its own bytes', async () => {
    const { cache, l1, l2 } = await memoryOverRedis();
    await l2.setMany(
      Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: bytes(`v${i}`), ttlMs: 5_000 })),
    );
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    const reads = [...Array.from({ length: 20 }, (_, i) => `k${i}`), 'k0', 'missing'];
    const values = await Promise.all(reads.map((key) => cache.get(key)));
    expect(values.map(text)).toEqual([
      ...Array.from({ length: 20 }, (_, i) => `v${i}`),
      'v0',
      undefined,
    ]);
    expect(await commandCalls()).toEqual({ script: 1, get: 21, pttl: 21 });
    (values[0] as Uint8Array).fill(0);
    expect(text(values[20])).toBe('v0');
    expect(text(await l1.get('k0'))).toBe('v0');
    expect(await l1.getTtl('k19')).toBeLessThanOrEqual(5_000);
  });

  it('getMany reads the L1 misses with their TTLs in one script call and backfills them', async () => {
    const { cache, l1, l2 } = await memoryOverRedis();
    await l1.set('a', bytes('A1'));
    await l2.set('b', bytes('B'), 4_000);
    await l2.set('c', bytes('C'));
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    const values = await cache.getMany(['a', 'b', 'c', 'zz', 'b']);
    expect(values.map(text)).toEqual(['A1', 'B', 'C', undefined, 'B']);
    expect(await commandCalls()).toEqual({ script: 1, get: 3, pttl: 3 });
    const l1Ttl = (await l1.getTtl('b')) as number;
    expect(l1Ttl).toBeGreaterThan(3_000);
    expect(l1Ttl).toBeLessThanOrEqual((await l2.getTtl('b')) as number);
    expect(await l1.getTtl('c')).toBe(Number.POSITIVE_INFINITY);
  });

  it('a concurrent writer changing value and TTL never leaves an L1 copy with the TTL of another version', async () => {
    const { cache, l1, l2 } = await memoryOverRedis();
    // Each version names its own TTL: `short` (PX 5 s), `long` (PX 1 h), `none` (no expiry).
    const versions = [
      ['short', ['PX', '5000']],
      ['long', ['PX', '3600000']],
      ['none', []],
    ] as const;
    const redisKey = `cs:${l2.namespace}:d:k`;
    const writer = new Redis(server.url);
    let stop = false;
    let writes = 0;
    const writing = (async () => {
      while (!stop) {
        const pipeline = writer.pipeline();
        for (let i = 0; i < 10; i++) {
          const [name, ttl] = versions[
            Math.floor(Math.random() * versions.length)
          ] as (typeof versions)[number];
          pipeline.set(redisKey, name, ...(ttl as []));
        }
        writes += 10;
        await pipeline.exec();
      }
    })();
    const seen = new Set<string>();
    try {
      const until = performance.now() + 1_500;
      while (performance.now() < until) {
        // An L1 miss each time: the copy comes from Redis, with the TTL read alongside.
        await l1.delete('k');
        if ((await cache.get('k')) === undefined) continue;
        const copy = text(await l1.get('k'));
        const l1Ttl = await l1.getTtl('k');
        if (copy === undefined || l1Ttl === undefined) continue;
        seen.add(copy);
        const matches =
          copy === 'none'
            ? l1Ttl === Number.POSITIVE_INFINITY
            : copy === 'short'
              ? l1Ttl <= 5_000
              : l1Ttl > 5_000 && l1Ttl <= 3_600_000;
        if (!matches) throw new Error(`L1 holds ${copy} for ${l1Ttl} ms`);
      }
    } finally {
      stop = true;
      await writing;
      writer.disconnect();
    }
    expect(writes).toBeGreaterThan(500);
    expect([...seen].sort()).toEqual(['long', 'none', 'short']);
  }, 20_000);
});
