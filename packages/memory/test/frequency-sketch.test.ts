import { describe, expect, it } from 'vitest';
import { FrequencySketch, hashKey, MAX_FREQUENCY } from '../src/eviction/frequency-sketch.js';
import { CLIMBER_STEP, WindowClimber } from '../src/eviction/window-climber.js';

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

describe('WindowClimber', () => {
  it('keeps its direction while the hit ratio improves and turns back when it drops', () => {
    const climber = new WindowClimber();
    const sample = (hits: number): number => {
      for (let index = 0; index < 100; index++) climber.record(index < hits);
      return climber.adjustment();
    };
    const first = sample(50);
    expect(first).toBeGreaterThan(0); // better than nothing: grow the window
    expect(sample(52)).toBe(first); // better again: same way
    const third = sample(51); // worse: turn back, with a smaller step
    expect(third).toBeLessThan(0);
    expect(-third).toBeLessThan(first);
    const fourth = sample(51); // as good: keep going, smaller still
    expect(fourth).toBeLessThan(0);
    expect(-fourth).toBeLessThan(-third);
    expect(sample(90)).toBeLessThan(0); // better: same way
    expect(sample(90)).toBe(-CLIMBER_STEP); // after a big change, a full step again
    expect(climber.requests).toBe(0);
  });
});
