import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvalidationBus } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { SqliteBackend } from '@cachestack/sqlite';
import { LocalInvalidationBus, TieredBackend } from '@cachestack/tiered';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type CacheOptions, createCache } from '../src/index.js';

const OBJECT_TTL_MS = 1_000;
let dir: string;
const closers: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachestack-object-tier-'));
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** One "process": its own memory L1, the shared SQLite file as L2, the shared bus. */
async function instance(bus: InvalidationBus, objectCache?: CacheOptions['objectCache']) {
  const tiered = new TieredBackend({
    tiers: [
      { backend: new MemoryBackend(), maxTtlMs: 60_000 },
      new SqliteBackend({ path: join(dir, 'l2.db'), namespace: 'ot' }),
    ],
    invalidation: { bus, namespace: 'ot' },
  });
  await tiered.ready();
  closers.push(() => tiered.close());
  return createCache({ backend: tiered, namespace: 'app', objectCache });
}

describe('object tier over a TieredBackend with an invalidation bus', () => {
  test("the bus drops the object tier's copy too: another instance's write shows at once, not after objectCache.ttlMs", async () => {
    const bus = new LocalInvalidationBus();
    const a = await instance(bus, { maxEntries: 100, ttlMs: 60_000 });
    const b = await instance(bus);
    await a.set('k', { v: 1 }, { ttlMs: 60_000 });
    expect(await a.get('k')).toEqual({ v: 1 });
    expect(await a.get('k')).toEqual({ v: 1 });
    expect(a.stats().objectTierHits).toBe(1);
    const written = Date.now();
    await b.set('k', { v: 2 }, { ttlMs: 60_000 });
    while ((await a.get<{ v: number }>('k'))?.v !== 2) {
      expect(Date.now() - written).toBeLessThan(2_000); // the bus delivers in ms; 60 s would be the cap
      await sleep(5);
    }
    await b.clear();
    while ((await a.get<{ v: number }>('k')) !== undefined) {
      expect(Date.now() - written).toBeLessThan(4_000); // a clear elsewhere drops everything held
      await sleep(5);
    }
  });

  test('without a bus, a write elsewhere shows within objectCache.ttlMs (the documented window)', async () => {
    const shared = new SqliteBackend({ path: join(dir, 'shared.db'), namespace: 'ot' });
    closers.push(() => shared.close());
    const other = new SqliteBackend({ path: join(dir, 'shared.db'), namespace: 'ot' });
    closers.push(() => other.close());
    const a = createCache({
      backend: shared,
      namespace: 'app',
      objectCache: { maxEntries: 100, ttlMs: OBJECT_TTL_MS },
    });
    const b = createCache({ backend: other, namespace: 'app' });
    await a.set('k', { v: 1 }, { ttlMs: 60_000 });
    const heldAt = Date.now();
    expect(await a.get('k')).toEqual({ v: 1 });
    await b.set('k', { v: 2 }, { ttlMs: 60_000 });
    expect(await a.get('k')).toEqual({ v: 1 }); // held: the documented window
    while ((await a.get<{ v: number }>('k'))?.v !== 2) {
      expect(Date.now() - heldAt).toBeLessThan(OBJECT_TTL_MS + 1_000);
      await sleep(20);
    }
    expect(Date.now() - heldAt).toBeGreaterThanOrEqual(OBJECT_TTL_MS);
  });

  test("another instance's tag invalidation applies at once (the tag check runs on every hit)", async () => {
    const bus = new LocalInvalidationBus();
    const a = await instance(bus, { maxEntries: 100, ttlMs: 60_000 });
    const b = await instance(bus);
    await a.set('k', { v: 1 }, { tags: ['t'], ttlMs: 60_000 });
    expect(await a.get('k')).toEqual({ v: 1 });
    expect(await a.get('k')).toEqual({ v: 1 });
    expect(a.stats().objectTierHits).toBe(1);
    await b.invalidateTags(['t']);
    expect(await a.get('k')).toBeUndefined();
  });
});
