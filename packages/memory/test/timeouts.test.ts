import { describe, expect, it } from 'vitest';
import { simulateLatency } from '../src/memory-backend.js';
import { bytes, closedAfterEach, expectBackendError, text } from './helpers.js';

const create = closedAfterEach();

describe('timeouts', () => {
  it('runs fast operations inside a withTimeout scope normally', async () => {
    const cache = create();
    const result = await cache.withTimeout('*', 1_000, async () => {
      await cache.set('k', bytes('v'), 5_000);
      return [await cache.get('k'), await cache.getTtl('k'), await cache.getMany(['k'])];
    });
    expect(text(result[0] as Uint8Array)).toBe('v');
    expect(result[1]).toBeGreaterThan(0);
    expect(result[2]).toHaveLength(1);
  });

  it('rejects invalid limits with INVALID_TIMEOUT / INVALID_ARGUMENT', async () => {
    const cache = create();
    for (const ms of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expectBackendError(
        cache.withTimeout('get', ms, () => 1),
        'INVALID_TIMEOUT',
        'PERMANENT',
      );
    }
    await expectBackendError(
      cache.withTimeout('nope' as never, 10, () => 1),
      'INVALID_ARGUMENT',
    );
  });

  it('ends a lock wait longer than the acquireLock limit with TIMEOUT, leaving no lock behind', async () => {
    const cache = create();
    const holder = await cache.acquireLock('job', { ttlMs: 200 });
    const started = performance.now();
    const error = await expectBackendError(
      cache.withTimeout('acquireLock', 50, () =>
        cache.acquireLock('job', { ttlMs: 5_000, waitMs: 5_000 }),
      ),
      'TIMEOUT',
      'TIMEOUT',
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.operation).toBe('acquireLock');
    expect(error.key).toBe('job');
    await holder!.release();
    // The timed-out waiter did not take the lock later.
    const next = await cache.acquireLock('job', { ttlMs: 1_000 });
    expect(next).toBeDefined();
    await next!.release();
  });

  it('applies the default timeouts option the same way', async () => {
    const cache = create({ timeouts: { acquireLock: 30 } });
    const holder = await cache.acquireLock('job', { ttlMs: 5_000 });
    await expectBackendError(cache.acquireLock('job', { ttlMs: 1_000, waitMs: 1_000 }), 'TIMEOUT');
    // A wait shorter than the limit just misses.
    expect(await cache.acquireLock('job', { ttlMs: 1_000, waitMs: 10 })).toBeUndefined();
    await holder!.release();
    expect(text(await cache.get('missing'))).toBeUndefined();
  });

  it('scopes do not leak into concurrent callers', async () => {
    const cache = create();
    const holder = await cache.acquireLock('job', { ttlMs: 100 });
    const [limited, unlimited] = await Promise.allSettled([
      cache.withTimeout('acquireLock', 20, () =>
        cache.acquireLock('job', { ttlMs: 1_000, waitMs: 2_000 }),
      ),
      cache.acquireLock('job', { ttlMs: 1_000, waitMs: 2_000 }),
    ]);
    expect(limited.status).toBe('rejected');
    expect(unlimited.status).toBe('fulfilled');
    if (unlimited.status === 'fulfilled') await unlimited.value?.release();
    await holder?.release();
  });

  it('a slowed operation over its limit rejects with TIMEOUT; the store keeps a whole value', async () => {
    const cache = create({ timeouts: { get: 30 } });
    await cache.set('k', bytes('old'));
    simulateLatency(cache, 2_000);
    const started = performance.now();
    const error = await expectBackendError(cache.get('k'), 'TIMEOUT', 'TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(error.operation).toBe('get');
    expect(error.key).toBe('k');
    await expectBackendError(
      cache.withTimeout('set', 20, () => cache.set('k', bytes('new'))),
      'TIMEOUT',
    );
    simulateLatency(cache, 0);
    expect(['old', 'new']).toContain(text(await cache.get('k')));
  });
});
