import { fileURLToPath } from 'node:url';
import { BackendError } from '@cachestack/core';
import { RedisServer, runNode } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../cache-manager-wrap/redis-cache.mjs';

const LOOKUP = fileURLToPath(new URL('../cache-manager-wrap/lookup.mjs', import.meta.url));
const START = fileURLToPath(new URL('../cache-manager-wrap/start.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs lookup.mjs in its own process and parses its JSON line. */
async function lookupInChild(redisUrl: string, key: string, loadMs = 0) {
  const run = await runNode(LOOKUP, [redisUrl, key, String(loadMs)]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as { value: { key: string; loadedBy: number }; loaderRuns: number };
}

describe('cache-manager 7 wrap over the Redis backend (through Keyv)', () => {
  let redis: RedisServer;
  let redisCache: ReturnType<typeof createRedisCache>;
  beforeAll(async () => {
    redis = await RedisServer.start();
    redisCache = createRedisCache({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await redisCache?.cache.disconnect();
    await redis?.destroy();
  });

  it('wrap runs the loader once for concurrent and later calls, and stores in Redis', async () => {
    let runs = 0;
    const load = async () => {
      runs += 1;
      await sleep(50);
      return { id: 'p1', name: 'Product 1' };
    };
    const values = await Promise.all(
      Array.from({ length: 10 }, () => redisCache.cache.wrap('p1', load)),
    );
    expect(values.every((value) => value.name === 'Product 1')).toBe(true);
    expect(await redisCache.cache.wrap('p1', load)).toEqual({ id: 'p1', name: 'Product 1' });
    expect(runs).toBe(1);
    // Keyv's namespace `products:` inside the RedisBackend namespace.
    expect(await redisCache.backend.exists('products:p1')).toBe(true);
  });

  it("honours wrap's TTL in Redis itself, then loads again", async () => {
    let runs = 0;
    const load = async () => ++runs;
    expect(await redisCache.cache.wrap('short', load, 300)).toBe(1);
    const left = await redisCache.backend.getTtl('products:short');
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(300);
    expect(await redisCache.cache.wrap('short', load, 300)).toBe(1);
    await sleep(450);
    expect(await redisCache.backend.exists('products:short')).toBe(false); // Redis expired it
    expect(await redisCache.cache.wrap('short', load, 300)).toBe(2);
  });

  it('a value wrapped here is read by a second process without running its loader', async () => {
    await redisCache.cache.wrap('shared', async () => ({ key: 'shared', loadedBy: process.pid }));
    const other = await lookupInChild(redis.url, 'shared');
    expect(other).toEqual({ value: { key: 'shared', loadedBy: process.pid }, loaderRuns: 0 });
  });

  it('wrapAcrossProcesses: three processes missing at once load the value once (Redis lock)', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => lookupInChild(redis.url, 'stampede', 300)));
    expect(runs.reduce((sum, run) => sum + run.loaderRuns, 0)).toBe(1);
    const loader = runs.find((run) => run.loaderRuns === 1)?.value.loadedBy;
    expect(runs.every((run) => run.value.loadedBy === loader)).toBe(true);
  });

  it('Redis down: get is a miss plus a `get` event, wrap rejects with a classified BackendError', async () => {
    const events: { key: string; error?: unknown }[] = [];
    redisCache.cache.on('get', (event) => events.push(event));
    await redis.stop('SIGKILL');
    try {
      expect(await redisCache.cache.get('p1')).toBeUndefined();
      expect(events.at(-1)?.error).toBeInstanceOf(BackendError);
      const error = await redisCache.cache
        .wrap('p9', async () => 'loaded')
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).type).toMatch(/^(TRANSIENT|TIMEOUT)$/);
    } finally {
      await redis.restart();
    }
    const deadline = Date.now() + 10_000; // the client reconnects by itself
    while (!(await redisCache.backend.healthCheck()).healthy && Date.now() < deadline)
      await sleep(50);
    expect(await redisCache.cache.wrap('p9', async () => 'loaded')).toBe('loaded');
  });

  it('start.mjs runs with plain node on its own redis-server and exits 0', async () => {
    const run = await runNode(START, []);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'first: {"id":"p1","name":"Product p1","query":1} second: {"id":"p1","name":"Product p1","query":1}',
    );
    expect(Number(lines[1]?.replace('ms left in Redis: ', ''))).toBeLessThanOrEqual(500);
    expect(lines[2]).toBe('after the TTL: {"id":"p1","name":"Product p1","query":2} queries: 2');
  });
});
