import { describe, expect, it } from 'vitest';
import type { EntryStoreLimits } from '../src/entry-store.js';
import {
  DEFAULT_TINYLFU_TUNING,
  TinyLfuEntryStore,
  type TinyLfuTuning,
} from '../src/eviction/tinylfu-entry-store.js';
import { entrySizeBytes } from '../src/index.js';
import { bytes, sleep, text } from './helpers.js';

const FIXED: TinyLfuTuning = { windowFraction: 0.01, protectedFraction: 0.8, adaptive: false };

function store(limits: Partial<EntryStoreLimits>, tuning = FIXED): TinyLfuEntryStore {
  return new TinyLfuEntryStore(
    {
      maxEntries: Number.POSITIVE_INFINITY,
      maxBytes: Number.POSITIVE_INFINITY,
      maxValueBytes: Number.POSITIVE_INFINITY,
      ...limits,
    },
    tuning,
  );
}

function put(target: TinyLfuEntryStore, key: string, value = 'v', ttlMs = 0): void {
  const data = bytes(value);
  target.write(key, data, ttlMs, target.sizeOf(key, data, 'set'));
}

function read(target: TinyLfuEntryStore, key: string): string | undefined {
  return text(target.read(key));
}

describe('W-TinyLFU segments', () => {
  it('new entries enter the window; its overflow goes to probation; a hit there promotes to protected', () => {
    const cache = store({ maxEntries: 100 });
    put(cache, 'a');
    expect(cache.segmentSizes).toEqual({ window: 1, probation: 0, protected: 0 });
    put(cache, 'b');
    expect(cache.segmentSizes).toEqual({ window: 1, probation: 1, protected: 0 });
    // Fill past the limit so that evictions happen (promotions pause in quiet spells).
    for (let index = 0; index < 150; index++) put(cache, `filler:${index}`);
    expect(cache.size).toBe(100);
    const onProbation = cache.keys(undefined).at(-1)!; // keys(): window, protected, then probation
    const before = cache.segmentSizes;
    expect(read(cache, onProbation)).toBe('v');
    expect(cache.segmentSizes.protected).toBe(before.protected + 1);
    expect(cache.segmentSizes.probation).toBe(before.probation - 1);
  });

  it('the protected segment keeps its share, demoting its least recently used entries to probation', () => {
    const cache = store({ maxEntries: 100 });
    for (let index = 0; index < 200; index++) put(cache, `k${index}`);
    for (let round = 0; round < 3; round++) {
      for (const key of cache.keys(undefined)) read(cache, key);
    }
    const { window, probation, protected: protectedSize } = cache.segmentSizes;
    expect(window).toBe(1);
    expect(protectedSize).toBe(Math.floor(99 * 0.8));
    expect(window + probation + protectedSize).toBe(100);
  });

  it('admits a candidate used more often than the victim, and rejects one used less', () => {
    const cache = store({ maxEntries: 10 });
    for (let index = 0; index < 10; index++) put(cache, `old${index}`);
    // Probation's least recently used entry is the victim; the window's overflow is the candidate.
    for (let use = 0; use < 5; use++) read(cache, 'popular'); // misses count as uses too
    put(cache, 'popular');
    put(cache, 'next'); // pushes 'popular' out of the window: it beats the victim
    expect(cache.has('popular')).toBe(true);
    expect(cache.has('old0')).toBe(false);
    put(cache, 'once');
    put(cache, 'again'); // pushes 'once' out of the window: it loses to the victim
    expect(cache.has('once')).toBe(false);
    expect(cache.has('old1')).toBe(true);
    expect(cache.size).toBe(10);
  });

  it('an admission oracle (for measurements) decides instead of the sketch, given both keys', () => {
    const asked: [string, string][] = [];
    const cache = store(
      { maxEntries: 10 },
      {
        ...FIXED,
        admissionOracle: (candidate, victim) => {
          asked.push([candidate, victim]);
          return candidate === 'once';
        },
      },
    );
    for (let index = 0; index < 10; index++) put(cache, `old${index}`);
    for (let use = 0; use < 5; use++) read(cache, 'popular');
    put(cache, 'popular');
    put(cache, 'next'); // the sketch would admit 'popular' (used 6 times): the oracle refuses
    expect(cache.has('popular')).toBe(false);
    expect(cache.has('old0')).toBe(true);
    put(cache, 'once');
    put(cache, 'again'); // the sketch would refuse 'once' (used once): the oracle admits it
    expect(cache.has('once')).toBe(true);
    expect(cache.has('old0')).toBe(false);
    // Every comparison went to the oracle ('old9' left the window when 'popular' was written).
    expect(asked).toEqual([
      ['old9', 'old0'],
      ['popular', 'old0'],
      ['next', 'old0'],
      ['once', 'old0'],
    ]);
    expect(cache.size).toBe(10);
  });

  it('a one-off scan of 10× the cache does not flush a hot set (LRU would lose all of it)', () => {
    const capacity = 1_000;
    const cache = store({ maxEntries: capacity }, DEFAULT_TINYLFU_TUNING);
    const hot = Array.from({ length: capacity / 2 }, (_, index) => `hot:${index}`);
    for (let round = 0; round < 4; round++) {
      for (const key of hot) if (read(cache, key) === undefined) put(cache, key);
    }
    for (let index = 0; index < 10 * capacity; index++) {
      const key = `scan:${index}`;
      if (read(cache, key) === undefined) put(cache, key);
    }
    const kept = hot.filter((key) => cache.has(key)).length;
    expect(kept).toBeGreaterThanOrEqual(0.95 * hot.length);
    expect(cache.size).toBe(capacity);
  });

  it('never passes the byte limit, and keeps the entry just written even when it is larger than the window', () => {
    const maxBytes = 10_000;
    const cache = store({ maxBytes });
    for (let index = 0; index < 300; index++) {
      put(cache, `k${index}`, 'x'.repeat((index * 37) % 400));
      expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
      expect(cache.has(`k${index}`)).toBe(true);
    }
    const big = 'y'.repeat(maxBytes - entrySizeBytes('big', 0));
    put(cache, 'big', big);
    expect(read(cache, 'big')).toBe(big);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(maxBytes);
    let total = 0;
    for (const entry of cache.collect(Date.now())) {
      total += entrySizeBytes(entry.key, entry.value.byteLength);
    }
    expect(total).toBe(cache.bytes);
  });

  it('an update that grows a protected entry evicts others, never the entry itself', () => {
    const cache = store({ maxBytes: 2_000 });
    put(cache, 'a');
    put(cache, 'b'); // 'a' leaves the window for probation
    read(cache, 'a'); // and moves on to protected
    expect(cache.segmentSizes).toEqual({ window: 1, probation: 0, protected: 1 });
    const grown = 'z'.repeat(2_000 - entrySizeBytes('a', 0) - 10);
    put(cache, 'a', grown);
    expect(read(cache, 'a')).toBe(grown);
    expect(cache.has('b')).toBe(false);
    expect(cache.bytes).toBeLessThanOrEqual(2_000);
  });

  it('never passes the entry limit, whatever the mix of reads and writes', () => {
    const cache = store({ maxEntries: 50 });
    let seed = 7;
    for (let step = 0; step < 5_000; step++) {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      const key = `k${seed % 300}`;
      if (seed % 3 === 0) put(cache, key, String(step));
      else read(cache, key);
      expect(cache.size).toBeLessThanOrEqual(50);
    }
  });

  it('expired entries are invisible, evicted before live ones, and moves keep the exact expiry', async () => {
    const cache = store({ maxEntries: 20 });
    for (let index = 0; index < 20; index++) put(cache, `short${index}`, 'v', 30);
    for (let index = 0; index < 25; index++) put(cache, `long${index}`, 'v', 60_000);
    const moved = cache.keys(undefined).find((key) => key.startsWith('long'))!;
    const ttlBefore = cache.remainingTtl(moved)!;
    read(cache, moved); // may move it between segments
    const ttlAfter = cache.remainingTtl(moved)!;
    expect(ttlAfter).toBeLessThanOrEqual(ttlBefore);
    expect(ttlAfter).toBeGreaterThan(59_000);
    for (let index = 0; index < 5; index++) put(cache, `short-again${index}`, 'v', 30);
    await sleep(60);
    expect(cache.keys(undefined).filter((key) => key.startsWith('short'))).toEqual([]);
    expect(read(cache, 'short-again0')).toBeUndefined();
    expect(cache.remainingTtl('short-again1')).toBeUndefined();
    // Room is taken from expired entries first: every live one stays.
    const live = cache.keys(undefined);
    for (let index = 0; index < 3; index++) put(cache, `new${index}`);
    for (const key of live) expect(cache.has(key)).toBe(true);
  });

  it('delete removes a key from whichever segment holds it; clear empties them all', () => {
    const cache = store({ maxEntries: 20 });
    for (let index = 0; index < 40; index++) put(cache, `k${index}`);
    for (const key of cache.keys(undefined).slice(0, 10)) read(cache, key);
    const keys = cache.keys(undefined);
    const sizes = cache.segmentSizes;
    expect(sizes.window).toBeGreaterThan(0);
    expect(sizes.probation).toBeGreaterThan(0);
    expect(sizes.protected).toBeGreaterThan(0);
    for (const key of keys) {
      expect(cache.delete(key)).toBe(true);
      expect(cache.delete(key)).toBe(false);
      expect(cache.has(key)).toBe(false);
    }
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    for (let index = 0; index < 40; index++) put(cache, `again${index}`);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.keys(undefined)).toEqual([]);
  });

  it('restores a collected snapshot whole, keeping the last entries when they do not all fit', () => {
    const source = store({ maxEntries: 30 });
    for (let index = 0; index < 60; index++)
      put(source, `k${index}`, `v${index}`, index % 2 ? 60_000 : 0);
    for (const key of source.keys(undefined).slice(0, 5)) read(source, key);
    const now = Date.now();
    const entries = source.collect(now);
    expect(entries).toHaveLength(30);
    const copy = store({ maxEntries: 30 });
    copy.restore(entries, now);
    expect(new Set(copy.keys(undefined))).toEqual(new Set(source.keys(undefined)));
    for (const entry of entries) expect(read(copy, entry.key)).toBe(text(entry.value));
    const smaller = store({ maxEntries: 10 });
    smaller.restore(entries, now);
    expect(new Set(smaller.keys(undefined))).toEqual(new Set(entries.slice(-10).map((e) => e.key)));
  });

  it('the adaptive window grows on a recency-heavy workload', () => {
    const cache = store({ maxEntries: 100 }, DEFAULT_TINYLFU_TUNING);
    expect(cache.windowFraction).toBe(0.01);
    // Each new key is used again soon after (1 to 90 keys later), then hardly ever:
    // the larger the window, the more of these second uses hit.
    for (let key = 0; key < 30_000; key++) {
      for (const name of [`k${key}`, `k${key - 1 - ((key * 7_919) % 90)}`]) {
        if (read(cache, name) === undefined) put(cache, name);
      }
    }
    expect(cache.windowFraction).toBeGreaterThan(0.3);
  });
});
