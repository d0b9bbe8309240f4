import { describe, expect, it } from 'vitest';
import { retryUntil } from '../src/index.js';

describe('retryUntil', () => {
  it('makes exactly one attempt when waitMs is 0', async () => {
    let attempts = 0;
    const result = await retryUntil(async () => {
      attempts++;
      return undefined;
    }, 0);
    expect(result).toBeUndefined();
    expect(attempts).toBe(1);
  });

  it('returns the first defined result', async () => {
    let attempts = 0;
    const result = await retryUntil(async () => (++attempts === 3 ? 'got it' : undefined), 5_000);
    expect(result).toBe('got it');
    expect(attempts).toBe(3);
  });

  it('keeps trying until the deadline, never giving up early or much late', async () => {
    const times: number[] = [];
    const started = performance.now();
    const result = await retryUntil(
      async () => {
        times.push(performance.now() - started);
        return undefined;
      },
      120,
      { initialDelayMs: 5, maxDelayMs: 20 },
    );
    const elapsed = performance.now() - started;
    expect(result).toBeUndefined();
    expect(times.length).toBeGreaterThan(3);
    expect(times.at(-1)).toBeGreaterThanOrEqual(119);
    expect(elapsed).toBeLessThan(600);
  });

  it('spreads delays (jitter)', async () => {
    const gaps = new Set<number>();
    let last = performance.now();
    await retryUntil(
      async () => {
        const now = performance.now();
        gaps.add(Math.round((now - last) * 10));
        last = now;
        return undefined;
      },
      150,
      { initialDelayMs: 20, maxDelayMs: 20 },
    );
    expect(gaps.size).toBeGreaterThan(2);
  });
});
