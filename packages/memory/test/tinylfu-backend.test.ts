import { LOCAL_READ } from '@cachestack/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entrySizeBytes, MemoryBackend } from '../src/index.js';
import { bytes, makeTempDir, sleep, text } from './helpers.js';

/** Backends made by a test, closed after it. */
const open: MemoryBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});
function create(options: ConstructorParameters<typeof MemoryBackend>[0]): MemoryBackend {
  const backend = new MemoryBackend(options);
  open.push(backend);
  return backend;
}

/** What an application does: get, and set on a miss. */
async function access(cache: MemoryBackend, key: string): Promise<void> {
  if ((await cache.get(key)) === undefined) await cache.set(key, bytes(key));
}

describe("MemoryBackend({ policy: 'tinylfu' })", () => {
  it('rejects an unknown policy with a TypeError naming the option', () => {
    expect(() => new MemoryBackend({ policy: 'lfu' as 'lru' })).toThrow(TypeError);
    expect(() => new MemoryBackend({ policy: 'lfu' as 'lru' })).toThrow(
      'MemoryBackend: option "policy" must be "lru" or "tinylfu", got "lfu"',
    );
    expect(() => new MemoryBackend({ policy: 1 as unknown as 'lru' })).toThrow(/option "policy"/);
    expect(new MemoryBackend({ policy: undefined }).backendType).toBe('memory');
  });

  it.each([
    ['tinylfu', 'keeps at least 95% of the hot set', 0.95],
    ['lru', 'flushes the whole hot set (the contrast)', 0],
  ] as const)('%s: a one-off scan of 10× the cache %s', async (policy, _outcome, share) => {
    const capacity = 500;
    const cache = create({ maxEntries: capacity, policy });
    const hot = Array.from({ length: capacity / 2 }, (_, index) => `hot:${index}`);
    for (let round = 0; round < 4; round++) for (const key of hot) await access(cache, key);
    for (let index = 0; index < 10 * capacity; index++) await access(cache, `scan:${index}`);
    let kept = 0;
    for (const key of hot) if (await cache.exists(key)) kept++;
    if (policy === 'lru') expect(kept).toBe(0);
    else expect(kept / hot.length).toBeGreaterThanOrEqual(share);
    expect((await cache.healthCheck()).details.entries).toBe(capacity);
  });

  it('honours maxEntries and maxBytes under churn, and keeps the entry just set', async () => {
    const maxBytes = 20_000;
    const cache = create({ maxEntries: 40, maxBytes, policy: 'tinylfu' });
    for (let index = 0; index < 500; index++) {
      const key = `k${index % 120}`;
      await cache.set(key, new Uint8Array((index * 53) % 900));
      expect(await cache.exists(key)).toBe(true);
      if (index % 3 === 0) await cache.get(`k${(index * 7) % 120}`);
      const { entries, bytes: used } = (await cache.healthCheck()).details as {
        entries: number;
        bytes: number;
      };
      expect(entries).toBeLessThanOrEqual(40);
      expect(used).toBeLessThanOrEqual(maxBytes);
    }
    await cache.set('whole', new Uint8Array(maxBytes - entrySizeBytes('whole', 0)));
    expect((await cache.get('whole'))?.byteLength).toBe(maxBytes - entrySizeBytes('whole', 0));
    expect((await cache.healthCheck()).details.entries).toBe(1);
  });

  it('expires entries on time wherever they sit, and refreshTtl and getTtl work on every segment', async () => {
    const cache = create({ maxEntries: 30, policy: 'tinylfu' });
    for (let index = 0; index < 60; index++) await access(cache, `k${index}`);
    const keys: string[] = [];
    for await (const key of cache.keys()) keys.push(key);
    expect(keys).toHaveLength(30);
    for (const key of keys) await cache.set(key, bytes(key), 40);
    await cache.get(keys[5]!);
    expect(await cache.refreshTtl(keys[7]!, 60_000)).toBe(true);
    expect(await cache.getTtl(keys[7]!)).toBeGreaterThan(59_000);
    await sleep(60);
    for (const key of keys) {
      if (key !== keys[7]) expect(await cache.get(key)).toBeUndefined();
    }
    expect(text(await cache.get(keys[7]!))).toBe(keys[7]);
    expect(await cache.getTtl(keys[0]!)).toBeUndefined();
    expect(cache[LOCAL_READ](keys[7]!)).toBeDefined();
  });

  it('deletes and clears entries wherever they sit', async () => {
    const cache = create({ maxEntries: 20, policy: 'tinylfu' });
    for (let index = 0; index < 40; index++) await access(cache, `k${index}`);
    for (let index = 20; index < 40; index++) await access(cache, `k${index}`);
    const keys: string[] = [];
    for await (const key of cache.keys()) keys.push(key);
    expect(await cache.deleteMany(keys.slice(0, 10))).toBe(10);
    expect(await cache.delete(keys[10]!)).toBe(true);
    expect(await cache.exists(keys[10]!)).toBe(false);
    expect((await cache.healthCheck()).details.entries).toBe(keys.length - 11);
    await cache.clear();
    expect((await cache.healthCheck()).details).toMatchObject({ entries: 0, bytes: 0 });
  });
});

describe("snapshots with policy: 'tinylfu'", () => {
  let dir: string;
  let removeDir: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove: removeDir } = await makeTempDir());
  });
  afterEach(async () => {
    await removeDir();
  });

  it('round-trips entries, values and TTLs across a restart, onto either policy', async () => {
    const path = `${dir}/cache.snapshot`;
    const first = await MemoryBackend.open({
      maxEntries: 50,
      policy: 'tinylfu',
      snapshot: { path },
    });
    for (let index = 0; index < 80; index++) await access(first, `k${index}`);
    for (let index = 60; index < 80; index++) await access(first, `k${index}`);
    await first.set('ttl', bytes('soon'), 60_000);
    const before = new Map<string, string | undefined>();
    for await (const key of first.keys()) before.set(key, text(await first.get(key)));
    expect(before.size).toBe(50);
    await first.close();
    for (const policy of ['tinylfu', 'lru'] as const) {
      const again = await MemoryBackend.open({ maxEntries: 50, policy, snapshot: { path } });
      try {
        const after = new Map<string, string | undefined>();
        for await (const key of again.keys()) after.set(key, text(await again.get(key)));
        expect(after).toEqual(before);
        expect(await again.getTtl('ttl')).toBeGreaterThan(55_000);
        expect(await again.getTtl('ttl')).toBeLessThanOrEqual(60_000);
      } finally {
        await again.close();
      }
    }
  });
});
