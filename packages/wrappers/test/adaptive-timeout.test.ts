import { BackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { baseOnly } from '@cachestack/test-support';
import { describe, expect, test } from 'vitest';
import { AdaptiveTimeoutBackend } from '../src/index.js';
import { errorOf, startRedisFixture } from './support/redis-fixture.js';

const { proxy, open, redis } = await startRedisFixture({
  namespace: 'adaptive',
  commandTimeoutMs: 10_000,
  viaProxy: true,
});

describe.each([
  ['timeout-configurable Redis', () => redis()],
  ['base-only Redis (core raceWithTimeout)', () => baseOnly(redis())],
])('AdaptiveTimeoutBackend over a %s', (_name, inner) => {
  test('a healthy store gets a tight limit; a slowed one is cut off at it, long before the ceiling', async () => {
    const backend = new AdaptiveTimeoutBackend(inner(), {
      floorMs: 200,
      ceilingMs: 5_000,
      minSamples: 16,
    });
    open.push(backend);
    expect(backend.limits().get).toBe(5_000); // the ceiling until enough samples
    await backend.set('k', Buffer.from('v'));
    for (let i = 0; i < 64; i += 1) await backend.get('k');
    const limit = backend.limits().get as number;
    expect(limit).toBeGreaterThanOrEqual(200);
    expect(limit).toBeLessThan(1_000);
    proxy.delayMs = 2_000;
    const started = performance.now();
    const error = await errorOf(backend.get('k'));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ type: 'TIMEOUT', code: 'TIMEOUT', operation: 'get', key: 'k' });
    expect(elapsed).toBeGreaterThanOrEqual(limit - 5);
    expect(elapsed).toBeLessThan(limit + 400);
  });

  test('a store that stays slower moves the limit up (to the ceiling at most) and calls succeed again', async () => {
    const backend = new AdaptiveTimeoutBackend(inner(), {
      floorMs: 150,
      ceilingMs: 3_000,
      minSamples: 8,
      windowSize: 32,
      factor: 2,
    });
    open.push(backend);
    await backend.set('k', Buffer.from('v'));
    for (let i = 0; i < 32; i += 1) await backend.get('k');
    const tight = backend.limits().get as number;
    expect(tight).toBeLessThan(450);
    proxy.delayMs = 250; // each direction: a round trip now takes >= 500 ms
    let timeouts = 0;
    let succeeded = false;
    for (let i = 0; i < 60 && !succeeded; i += 1) {
      const error = await errorOf(backend.get('k'));
      if (error === undefined) succeeded = true;
      else {
        expect(error).toMatchObject({ type: 'TIMEOUT' });
        timeouts += 1;
      }
    }
    expect(timeouts).toBeGreaterThan(0);
    expect(succeeded).toBe(true);
    expect(backend.limits().get).toBeGreaterThan(500);
    expect(backend.limits().get).toBeLessThanOrEqual(3_000);
  });

  test('withTimeout scopes still apply and the smaller limit wins', async () => {
    const backend = new AdaptiveTimeoutBackend(inner(), { ceilingMs: 5_000 });
    open.push(backend);
    await backend.set('k', Buffer.from('v'));
    proxy.delayMs = 400;
    const started = performance.now();
    const error = await errorOf(
      backend.withTimeout?.('get', 100, () => backend.get('k')) as Promise<unknown>,
    );
    expect(error).toMatchObject({ type: 'TIMEOUT', operation: 'get' });
    expect(performance.now() - started).toBeLessThan(380);
  });
});

describe('AdaptiveTimeoutBackend', () => {
  test('offers withTimeout even over a backend without it, and the other capabilities exactly as the inner', () => {
    const plain = new AdaptiveTimeoutBackend(baseOnly(new MemoryBackend()));
    open.push(plain);
    expect(typeof plain.withTimeout).toBe('function');
    expect(plain.getTtl).toBeUndefined();
    expect(plain.getMany).toBeUndefined();
    expect(plain.acquireLock).toBeUndefined();
  });

  test('bad options throw a TypeError naming the option', () => {
    const inner = new MemoryBackend();
    open.push(inner);
    const bad: [unknown, RegExp][] = [
      [{ percentile: 0 }, /option "percentile"/],
      [{ percentile: 1.5 }, /option "percentile"/],
      [{ factor: 0.5 }, /option "factor"/],
      [{ floorMs: 0 }, /option "floorMs"/],
      [
        { floorMs: 100, ceilingMs: 50 },
        /option "ceilingMs" must be a finite number of ms >= floorMs/,
      ],
      [{ windowSize: 2.5 }, /option "windowSize"/],
      [{ windowSize: 10, minSamples: 11 }, /option "minSamples"/],
    ];
    for (const [options, message] of bad) {
      expect(() => new AdaptiveTimeoutBackend(inner, options as never)).toThrow(TypeError);
      expect(() => new AdaptiveTimeoutBackend(inner, options as never)).toThrow(message);
    }
  });
});
