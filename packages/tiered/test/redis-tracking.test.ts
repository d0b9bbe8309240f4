import { randomUUID } from 'node:crypto';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend, RedisTrackingInvalidation } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TieredBackend } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

// TieredBackend with Redis tracking as its invalidation source: writes by any
// client reach L1 with no bus message (issue 19), end to end on a real server.
const server = await RedisServer.start();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => server.destroy());

async function instance(namespace: string) {
  const l1 = new MemoryBackend();
  const l2 = new RedisBackend({ url: server.url, namespace });
  const tracking = new RedisTrackingInvalidation({ backend: l2 });
  const cache = new TieredBackend({
    tiers: [{ backend: l1, maxTtlMs: 60_000 }, l2],
    invalidation: { bus: tracking, namespace },
  });
  cleanups.push(() => tracking.close());
  cleanups.push(() => cache.close());
  await cache.ready();
  return { l1, cache };
}

function plainClient(): Redis {
  const redis = new Redis(server.url);
  cleanups.push(() => redis.quit());
  return redis;
}

describe('TieredBackend over RedisTrackingInvalidation (real redis-server)', () => {
  it('a write by a non-cachestack client drops the L1 copy; so do DEL, expiry and FLUSHDB', {
    timeout: 20_000,
  }, async () => {
    const namespace = randomUUID();
    const { l1, cache } = await instance(namespace);
    const raw = plainClient();
    const dataKey = (key: string) => `cs:${namespace}:d:${key}`; // the documented key layout

    await cache.set('k', bytes('v1'), 60_000);
    expect(text(await cache.get('k'))).toBe('v1');
    expect(text(await l1.get('k'))).toBe('v1'); // held in L1

    await raw.set(dataKey('k'), 'v2', 'PX', 60_000); // redis-cli, another service, a script...
    await waitFor(async () => (await l1.get('k')) === undefined);
    expect(text(await cache.get('k'))).toBe('v2');

    await raw.del(dataKey('k'));
    await waitFor(async () => (await l1.get('k')) === undefined);
    expect(await cache.get('k')).toBeUndefined();

    await raw.set(dataKey('e'), 'soon', 'PX', 300);
    expect(text(await cache.get('e'))).toBe('soon');
    // Redis expires it; L1's copy (never longer-lived than the key) and the
    // tracking message both end it: the cache stops returning it.
    await waitFor(async () => (await cache.get('e')) === undefined, 5_000);
    expect(await l1.get('e')).toBeUndefined();

    await cache.set('f', bytes('x'), 60_000);
    expect(text(await cache.get('f'))).toBe('x');
    await raw.flushdb();
    await waitFor(async () => (await l1.get('f')) === undefined);
    expect(await cache.get('f')).toBeUndefined();
  });

  it('another process writing through cachestack needs no bus message', {
    timeout: 20_000,
  }, async () => {
    const namespace = randomUUID();
    const a = await instance(namespace);
    const b = await instance(namespace);
    await a.cache.set('k', bytes('a'), 60_000);
    expect(text(await b.cache.get('k'))).toBe('a');
    await a.cache.set('k', bytes('b'), 60_000);
    await waitFor(async () => text(await b.cache.get('k')) === 'b');
  });
});
