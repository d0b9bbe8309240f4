import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvalidationBus } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { SqliteBackend } from '@cachestack/sqlite';
import { LocalInvalidationBus, TieredBackend } from '@cachestack/tiered';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createCache } from '../src/index.js';
import { counting } from './support/counting-backend.js';

const L1_CAP_MS = 600;
let dir: string;
const closers: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachestack-tags-tiered-'));
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** A bus that loses every message while `dropping` is set (the rest is the real local bus). */
function lossyBus(inner: InvalidationBus): InvalidationBus & { dropping: boolean } {
  return {
    dropping: false,
    async publish(message) {
      if (!this.dropping) await inner.publish(message);
    },
    subscribe: (handlers) => inner.subscribe(handlers),
    close: () => inner.close(),
  };
}

/** One "process": its own L1, the shared SQLite file as L2, the shared bus. */
async function instance(bus: InvalidationBus) {
  const l2 = counting(new SqliteBackend({ path: join(dir, 'l2.db'), namespace: 'tags' }));
  const tiered = new TieredBackend({
    tiers: [{ backend: new MemoryBackend(), maxTtlMs: L1_CAP_MS }, l2.backend],
    invalidation: { bus, namespace: 'tags' },
  });
  await tiered.ready();
  closers.push(() => tiered.close());
  return { cache: createCache({ backend: tiered, namespace: 'app' }), l2: l2.log };
}

describe('tags over a TieredBackend (memory L1 over SQLite L2)', () => {
  test('an L1 hit whose tag versions are in L1 makes no L2 call', async () => {
    const bus = new LocalInvalidationBus();
    const a = await instance(bus);
    await a.cache.set('k', 'v', { tags: ['t1', 't2'] });
    a.l2.reset();
    expect(await a.cache.get('k')).toBe('v');
    expect(a.l2.calls).toEqual({});
  });

  test("an invalidation reaches another instance's L1 through the bus", async () => {
    const bus = new LocalInvalidationBus();
    const a = await instance(bus);
    const b = await instance(bus);
    await a.cache.set('k', 'v', { tags: ['t'] });
    expect(await b.cache.get('k')).toBe('v'); // backfills B's L1 with the entry and versions
    b.l2.reset();
    expect(await b.cache.get('k')).toBe('v');
    expect(b.l2.calls).toEqual({}); // served from B's L1
    await a.cache.invalidateTags(['t']);
    expect(await b.cache.get('k')).toBeUndefined();
  });

  test('a lost bus message leaves an L1 copy stale at most until the L1 TTL cap', async () => {
    const bus = lossyBus(new LocalInvalidationBus());
    const a = await instance(bus);
    const b = await instance(bus);
    await a.cache.set('k', 'v', { tags: ['t'], ttlMs: 60_000 });
    expect(await b.cache.get('k')).toBe('v');
    bus.dropping = true;
    const invalidatedAt = Date.now();
    await a.cache.invalidateTags(['t']);
    expect(await a.cache.get('k')).toBeUndefined(); // the writer's own L1 is up to date
    expect(await b.cache.get('k')).toBe('v'); // B missed the message: stale, for now
    await vi.waitFor(async () => expect(await b.cache.get('k')).toBeUndefined(), {
      timeout: L1_CAP_MS * 4,
      interval: 20,
    });
    expect(Date.now() - invalidatedAt).toBeLessThanOrEqual(L1_CAP_MS + 300);
  });
});
