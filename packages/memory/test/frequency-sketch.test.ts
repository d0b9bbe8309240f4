import { describe, expect, it } from 'vitest';
import { FrequencySketch, hashKey, MAX_FREQUENCY } from '../src/eviction/frequency-sketch.js';

describe('hashKey', () => {
  it('is deterministic and spreads similar keys', () => {
    expect(hashKey('user:1')).toBe(hashKey('user:1'));
    const seen = new Set<number>();
    for (let index = 0; index < 10_000; index++) seen.add(hashKey(`user:${index}`));
    expect(seen.size).toBeGreaterThan(9_990);
    for (const hash of seen) expect(hash >>> 0).toBe(hash);
  });
});

describe('FrequencySketch', () => {
  it('counts uses of a key, and keys never used stay near zero', () => {
    const sketch = new FrequencySketch(1024);
    const hot = hashKey('hot');
    for (let count = 1; count <= 5; count++) {
      sketch.increment(hot);
      expect(sketch.frequency(hot)).toBe(count);
    }
    for (let index = 0; index < 200; index++) sketch.increment(hashKey(`once:${index}`));
    expect(sketch.frequency(hot)).toBe(5);
    let overestimated = 0;
    for (let index = 0; index < 1000; index++) {
      if (sketch.frequency(hashKey(`never:${index}`)) > 0) overestimated++;
    }
    expect(overestimated).toBeLessThan(20);
  });

  it('saturates at 15 (4-bit counters) without disturbing neighbours', () => {
    const sketch = new FrequencySketch(64);
    const hot = hashKey('hot');
    for (let count = 0; count < 100; count++) sketch.increment(hot);
    expect(sketch.frequency(hot)).toBe(MAX_FREQUENCY);
    expect(sketch.frequency(hashKey('cold'))).toBeLessThanOrEqual(1);
  });

  it('halves every counter after 10 × capacity increments (aging)', () => {
    const sketch = new FrequencySketch(1024);
    const hot = hashKey('hot');
    for (let count = 0; count < 12; count++) sketch.increment(hot);
    let index = 0;
    let before = sketch.frequency(hot);
    let additions = sketch.additions;
    // One use each of many keys, until the sample size (10 × 1024) is reached and every counter halves.
    while (sketch.additions >= additions && index < 100_000) {
      additions = sketch.additions;
      before = sketch.frequency(hot);
      sketch.increment(hashKey(`filler:${index++}`));
    }
    expect(index).toBeGreaterThan(10_000);
    expect(before).toBeGreaterThanOrEqual(12);
    const after = sketch.frequency(hot);
    expect(after).toBeGreaterThanOrEqual(Math.floor(before / 2));
    expect(after).toBeLessThanOrEqual(Math.floor((before + 1) / 2));
    expect(sketch.additions).toBeLessThan(10_240 / 2 + 1);
  });

  it('grows when the cache holds more entries than it was sized for, forgetting counts', () => {
    const sketch = new FrequencySketch(16);
    const hot = hashKey('hot');
    sketch.increment(hot);
    sketch.ensureCapacity(16);
    expect(sketch.frequency(hot)).toBe(1);
    sketch.ensureCapacity(17);
    expect(sketch.capacity).toBe(32);
    expect(sketch.frequency(hot)).toBe(0);
  });
});

describe('FrequencySketch counters in every nibble', () => {
  it('counts up to the limit and halves correctly in the top nibble of a word too', () => {
    const sketch = new FrequencySketch(1_024);
    // 64 keys × 4 counters land in all eight nibbles of their words, the
    // top one (bits 28–31, the sign bit of the word) included.
    const hashes = Array.from({ length: 64 }, (_, index) => hashKey(`saturate:${index}`));
    for (let use = 0; use < 20; use++) for (const hash of hashes) sketch.increment(hash);
    expect(hashes.map((hash) => sketch.frequency(hash))).toEqual(hashes.map(() => MAX_FREQUENCY));
    // Fill the sample with other keys up to the halving: a saturated 15 becomes exactly 7.
    let before = sketch.additions;
    for (let index = 0; sketch.additions >= before && index < 20_000; index++) {
      before = sketch.additions;
      sketch.increment(hashKey(`filler:${index}`));
    }
    expect(sketch.additions).toBeLessThan(before);
    expect(hashes.map((hash) => sketch.frequency(hash))).toEqual(hashes.map(() => 7));
  });
});
