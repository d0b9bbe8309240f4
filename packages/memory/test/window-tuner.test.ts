import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../src/eviction/frequency-sketch.js';
import {
  DEFAULT_TINYLFU_TUNING,
  TinyLfuEntryStore,
  type TinyLfuTuning,
} from '../src/eviction/tinylfu-entry-store.js';
import { GhostHistory, WindowTuner } from '../src/eviction/window-tuner.js';

const EMPTY = new Uint8Array(0);
const CAPACITY = 200;

/** Replays `keys` (get, and set on a miss) through a W-TinyLFU store; its hit ratio and final window share. */
function replayTinyLfu(
  keys: readonly string[],
  tuning: TinyLfuTuning,
): { hitRatio: number; window: number } {
  const limits = { maxEntries: CAPACITY, maxBytes: Infinity, maxValueBytes: Infinity };
  const store = new TinyLfuEntryStore(limits, { ...tuning, seed: 1 });
  let hits = 0;
  for (const key of keys) {
    if (store.read(key) !== undefined) hits++;
    else store.write(key, EMPTY, 0, store.sizeOf(key, EMPTY, 'set'));
  }
  return { hitRatio: hits / keys.length, window: store.windowFraction };
}

/** The hit ratio of plain LRU (lru-cache) on `keys`. */
function replayLru(keys: readonly string[]): number {
  const cache = new LRUCache<string, Uint8Array>({ max: CAPACITY });
  let hits = 0;
  for (const key of keys) {
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, EMPTY);
  }
  return hits / keys.length;
}

/** Seeded generator (xorshift32) of floats in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/**
 * Recency-heavy: each new key is used again a little later (up to 1.5× the
 * cache size later), then never: only a window as large as the cache holds
 * it until then; the frequency filter only gets in the way.
 */
function recencyWorkload(): string[] {
  const next = random(7);
  const keys: string[] = [];
  for (let key = 0; key < 40_000; key++) {
    keys.push(`r${key}`);
    keys.push(`r${Math.max(0, key - 1 - Math.floor(next() * 1.5 * CAPACITY))}`);
  }
  return keys;
}

/**
 * Frequency-heavy: a hot set of 80% of the cache, used again and again, and
 * in between one-off keys (a third of the accesses): a small window keeps
 * the one-off keys from pushing the hot set out.
 */
function frequencyWorkload(): string[] {
  const next = random(11);
  const keys: string[] = [];
  for (let index = 0; index < 80_000; index++) {
    keys.push(next() < 1 / 3 ? `once${index}` : `hot${Math.floor(next() * 0.8 * CAPACITY)}`);
  }
  return keys;
}

describe('GhostHistory', () => {
  it('remembers the last `length` hashes added, and forgets older ones', () => {
    const ghosts = new GhostHistory(4);
    const hashes = ['a', 'b', 'c', 'd', 'e', 'f'].map(hashKey);
    for (const hash of hashes) ghosts.add(hash);
    expect(hashes.slice(2).every((hash) => ghosts.has(hash))).toBe(true);
    expect(ghosts.has(hashes[0]!)).toBe(false);
    expect(ghosts.has(hashes[1]!)).toBe(false);
    expect(ghosts.has(hashKey('never added'))).toBe(false);
  });
});

describe('WindowTuner', () => {
  it('grows the window on a miss of a rejected candidate, shrinks it on a miss of an evicted victim', () => {
    const tuner = new WindowTuner(1_000);
    tuner.rejected(hashKey('turned away'));
    tuner.evicted(hashKey('pushed out'));
    expect(tuner.adjustmentOnMiss(hashKey('turned away'))).toBe(1);
    expect(tuner.adjustmentOnMiss(hashKey('pushed out'))).toBe(-1);
    expect(tuner.adjustmentOnMiss(hashKey('never seen'))).toBe(0);
    // Only the last 10% of capacity count: 100 later rejections push the first one out.
    for (let index = 0; index < 100; index++) tuner.rejected(hashKey(`later${index}`));
    expect(tuner.adjustmentOnMiss(hashKey('turned away'))).toBe(0);
    expect(tuner.adjustmentOnMiss(hashKey('later99'))).toBe(1);
  });

  it('moves the window towards the better side: up on a recency-heavy workload, down on a frequency-heavy one', () => {
    const recency = recencyWorkload();
    const frequency = frequencyWorkload();
    const fixed = (windowFraction: number): TinyLfuTuning => ({
      ...DEFAULT_TINYLFU_TUNING,
      windowFraction,
      adaptive: false,
    });
    // Which side is better, measured with fixed windows:
    const recencySmall = replayTinyLfu(recency, fixed(0.01)).hitRatio;
    const recencyLarge = replayTinyLfu(recency, fixed(0.9)).hitRatio;
    expect(recencyLarge).toBeGreaterThan(recencySmall + 0.05);
    const frequencySmall = replayTinyLfu(frequency, fixed(0.01)).hitRatio;
    const frequencyLarge = replayTinyLfu(frequency, fixed(0.9)).hitRatio;
    expect(frequencySmall).toBeGreaterThan(frequencyLarge + 0.05);

    // Adaptive, from the far side each time:
    const grown = replayTinyLfu(recency, { ...DEFAULT_TINYLFU_TUNING, windowFraction: 0.01 });
    expect(grown.window).toBeGreaterThan(0.5);
    // As good as the best fixed window (within half a point), far above the small one.
    expect(grown.hitRatio).toBeGreaterThan(recencyLarge - 0.005);
    expect(grown.hitRatio).toBeGreaterThan(recencySmall + 0.2);
    const shrunk = replayTinyLfu(frequency, { ...DEFAULT_TINYLFU_TUNING, windowFraction: 0.9 });
    expect(shrunk.window).toBeLessThan(0.2);
    expect(shrunk.hitRatio).toBeGreaterThan(frequencyLarge + 0.1);
    expect(shrunk.hitRatio).toBeGreaterThan(replayLru(frequency) + 0.1);
  });
});
