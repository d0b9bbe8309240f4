import { isTtlInspectable } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { TieredBackend } from '../src/index.js';
import { bytes, instrumentedMemory, sleep, text } from './support/helpers.js';

const open: TieredBackend[] = [];
function tiered(...args: ConstructorParameters<typeof TieredBackend>): TieredBackend {
  const backend = new TieredBackend(...args);
  open.push(backend);
  return backend;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

describe('read-through and backfill', () => {
  it('an L2 hit is returned and backfilled into L1 with the remaining L2 ttl', async () => {
    const l1 = new MemoryBackend();
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [l1, l2] });
    await l2.set('k', bytes('v'), 10_000);
    expect(text(await cache.get('k'))).toBe('v');
    const l2Ttl = await l2.getTtl('k');
    const l1Ttl = await l1.getTtl('k');
    expect(text(await l1.get('k'))).toBe('v');
    expect(l1Ttl).toBeGreaterThan(9_000);
    expect(l1Ttl).toBeLessThanOrEqual(l2Ttl as number);
  });

  it('caps the backfilled ttl with the tier maxTtlMs', async () => {
    const l1 = new MemoryBackend();
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [{ backend: l1, maxTtlMs: 1_000 }, l2] });
    await l2.set('k', bytes('v'), 60_000);
    await l2.set('forever', bytes('f'));
    await cache.get('k');
    await cache.get('forever');
    expect(await l1.getTtl('k')).toBeLessThanOrEqual(1_000);
    expect(await l1.getTtl('forever')).toBeLessThanOrEqual(1_000);
    expect(await l1.getTtl('forever')).toBeGreaterThan(0);
  });

  it('an entry without expiry in L2 and no cap is backfilled without expiry', async () => {
    const l1 = new MemoryBackend();
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [l1, l2] });
    await l2.set('k', bytes('v'));
    await cache.get('k');
    expect(await l1.getTtl('k')).toBe(Number.POSITIVE_INFINITY);
  });

  it('a backfilled copy never outlives the L2 entry', async () => {
    const l1 = new MemoryBackend();
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [l1, l2] });
    await l2.set('k', bytes('v'), 300);
    await sleep(100);
    expect(text(await cache.get('k'))).toBe('v');
    const l2Ttl = (await l2.getTtl('k')) as number;
    const l1Ttl = (await l1.getTtl('k')) as number;
    expect(l1Ttl).toBeLessThanOrEqual(l2Ttl);
    await sleep(l2Ttl + 20);
    expect(await l2.get('k')).toBeUndefined();
    expect(await l1.get('k')).toBeUndefined();
    expect(await cache.get('k')).toBeUndefined();
  });

  it('when L2 cannot report ttls, backfills only with a cap or backfillTtlMs', async () => {
    const plainL2 = () => instrumentedMemory('plain', { capabilities: ['batch', 'clear'] });
    const noTtlL2 = plainL2();
    expect(isTtlInspectable(noTtlL2)).toBe(false);
    const l1a = new MemoryBackend();
    const a = tiered({ tiers: [l1a, noTtlL2] });
    await noTtlL2.set('k', bytes('v'), 60_000);
    expect(text(await a.get('k'))).toBe('v');
    expect(await l1a.get('k')).toBeUndefined();

    const cappedL2 = plainL2();
    const l1b = new MemoryBackend();
    const b = tiered({ tiers: [{ backend: l1b, maxTtlMs: 500 }, cappedL2] });
    await cappedL2.set('k', bytes('v'));
    await b.get('k');
    expect(await l1b.getTtl('k')).toBeLessThanOrEqual(500);

    const fallbackL2 = plainL2();
    const l1c = new MemoryBackend();
    const c = tiered({ tiers: [l1c, fallbackL2], backfillTtlMs: 700 });
    await fallbackL2.set('k', bytes('v'));
    await c.get('k');
    const ttl = (await l1c.getTtl('k')) as number;
    expect(ttl).toBeGreaterThan(500);
    expect(ttl).toBeLessThanOrEqual(700);
  });

  it('N concurrent misses of one key make ONE L2 read, and every caller gets its own copy', async () => {
    const l2 = instrumentedMemory('counted');
    l2.delays.set('get', 30);
    const cache = tiered({ tiers: [new MemoryBackend(), l2] });
    await l2.inner.set('k', bytes('value'));
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.get('k')));
    expect(l2.count('get')).toBe(1);
    for (const result of results) expect(text(result)).toBe('value');
    (results[0] as Uint8Array)[0] = 0;
    expect(text(results[1])).toBe('value');
    expect(new Set(results).size).toBe(results.length);
    expect(text(await cache.get('k'))).toBe('value');
  });

  it('a write during an in-flight L2 read skips the backfill (no stale L1 copy)', async () => {
    const l1 = new MemoryBackend();
    const l2 = instrumentedMemory('slow');
    l2.delays.set('get', 60);
    const cache = tiered({ tiers: [l1, l2] });
    await l2.inner.set('k', bytes('old'));
    const reading = cache.get('k');
    await sleep(10);
    await cache.set('k', bytes('new'));
    expect(text(await reading)).toBe('old');
    expect(text(await l1.get('k'))).toBe('new');
    expect(text(await cache.get('k'))).toBe('new');

    await l2.inner.set('d', bytes('old'));
    const readingDeleted = cache.get('d');
    await sleep(10);
    expect(await cache.delete('d')).toBe(true);
    await readingDeleted;
    expect(await l1.get('d')).toBeUndefined();
    expect(await cache.get('d')).toBeUndefined();
  });

  it('a reader arriving after a write does not join the older in-flight read', async () => {
    const l2 = instrumentedMemory('slow');
    l2.delays.set('get', 60);
    const cache = tiered({ tiers: [{ backend: new MemoryBackend(), maxTtlMs: 1 }, l2] });
    await l2.inner.set('k', bytes('old'));
    const first = cache.get('k');
    await sleep(5);
    await cache.set('k', bytes('new'));
    await sleep(5);
    const second = cache.get('k');
    expect(text(await first)).toBe('old');
    expect(text(await second)).toBe('new');
  });

  it('getMany reads the missing keys from L2, backfills them, and copies duplicates', async () => {
    const l1 = new MemoryBackend();
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [l1, l2] });
    await l1.set('a', bytes('A'));
    await l2.set('b', bytes('B'), 5_000);
    const values = await cache.getMany(['a', 'b', 'missing', 'b']);
    expect(values.map(text)).toEqual(['A', 'B', undefined, 'B']);
    expect(values[1]).not.toBe(values[3]);
    expect(text(await l1.get('b'))).toBe('B');
    expect(await l1.getTtl('b')).toBeLessThanOrEqual(5_000);
  });

  it('nests: a tiered backend can be a tier of another one', async () => {
    const inner = new TieredBackend({ tiers: [new MemoryBackend(), new MemoryBackend()] });
    const outer = tiered({ tiers: [new MemoryBackend(), inner] });
    await outer.set('k', bytes('v'), 5_000);
    expect(text(await inner.get('k'))).toBe('v');
    expect(text(await outer.get('k'))).toBe('v');
    expect(await outer.getTtl?.('k')).toBeLessThanOrEqual(5_000);
    expect(await outer.delete('k')).toBe(true);
    expect(await inner.get('k')).toBeUndefined();
  });
});
