import { BackendError, BackendErrorType } from '@cachestack/core';
import { deferred, ReferenceBackend } from '@cachestack/test-support';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { type Cache, createCache } from '../src/index.js';

let backend: ReferenceBackend;
let cache: Cache;
const events: string[] = [];

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
  });
  backend = new ReferenceBackend();
  cache = createCache({ backend });
  events.length = 0;
  cache.on('stale', (event) => events.push(`stale:${event.reason}`));
  cache.on('error', (event) => events.push(`error:${event.operation}:${event.handled}`));
});

afterEach(() => {
  vi.useRealTimers();
});

const options = { ttlMs: 1_000, graceMs: 10_000 };

async function seed(value: string): Promise<void> {
  await cache.getOrSet('k', async () => value, options);
}

describe('ttlMs vs graceMs', () => {
  test('the backend entry lives ttlMs + graceMs', async () => {
    await seed('v1');
    const ttl = (await backend.getTtl('k'))!;
    expect(ttl).toBeGreaterThan(10_000);
    expect(ttl).toBeLessThanOrEqual(11_000);
  });

  test('get never returns a stale value, even within grace', async () => {
    await seed('v1');
    vi.advanceTimersByTime(1_000);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    expect(backend.rawKeys()).toEqual(['k']);
  });
});

describe('serving stale values', () => {
  test('a failing loader within grace serves the stale value (error reported as handled)', async () => {
    await seed('v1');
    vi.advanceTimersByTime(1_500);
    const value = await cache.getOrSet(
      'k',
      async () => {
        throw new Error('origin down');
      },
      options,
    );
    expect(value).toBe('v1');
    expect(events).toEqual(['error:loader:true', 'stale:loader-error']);
    expect(cache.stats().staleServed).toBe(1);
  });

  test('past the grace period a failing loader rejects', async () => {
    await seed('v1');
    vi.advanceTimersByTime(11_000);
    await expect(
      cache.getOrSet('k', () => Promise.reject(new Error('origin down')), options),
    ).rejects.toThrow('origin down');
    expect(cache.stats().staleServed).toBe(0);
  });

  test('a loader slower than loaderTimeoutMs: stale now, fresh value stored in the background', async () => {
    await seed('v1');
    vi.advanceTimersByTime(2_000);
    const gate = deferred<string>();
    const pending = cache.getOrSet('k', () => gate.promise, { ...options, loaderTimeoutMs: 50 });
    await vi.advanceTimersByTimeAsync(49);
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toBe('v1');
    expect(events).toEqual(['stale:loader-timeout']);
    gate.resolve('v2');
    await cache.idle();
    expect(await cache.get('k')).toBe('v2');
  });

  test('a fast loader beats loaderTimeoutMs and its value is returned', async () => {
    await seed('v1');
    vi.advanceTimersByTime(2_000);
    expect(await cache.getOrSet('k', async () => 'v2', { ...options, loaderTimeoutMs: 50 })).toBe(
      'v2',
    );
    expect(events).toEqual([]);
  });

  test('without loaderTimeoutMs a slow loader is awaited', async () => {
    await seed('v1');
    vi.advanceTimersByTime(2_000);
    const pending = cache.getOrSet(
      'k',
      () => new Promise<string>((resolve) => setTimeout(() => resolve('v2'), 5_000)),
      options,
    );
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await pending).toBe('v2');
  });

  test('a background refresh that fails later is reported, never unhandled', async () => {
    await seed('v1');
    vi.advanceTimersByTime(2_000);
    const gate = deferred<string>();
    const pending = cache.getOrSet('k', () => gate.promise, { ...options, loaderTimeoutMs: 10 });
    await vi.advanceTimersByTimeAsync(10);
    expect(await pending).toBe('v1');
    gate.reject(new Error('late failure'));
    await cache.idle();
    expect(events).toEqual(['stale:loader-timeout', 'error:loader:true']);
    expect(cache.stats().errors).toBe(1);
  });

  test('a backend failure during the refresh (lock) serves the stale value too', async () => {
    await seed('v1');
    vi.advanceTimersByTime(2_000);
    const failure = new BackendError({
      type: BackendErrorType.TRANSIENT,
      code: 'UNAVAILABLE',
      message: 'lock service down',
      operation: 'acquireLock',
    });
    vi.spyOn(backend, 'acquireLock').mockRejectedValue(failure);
    const loader = vi.fn(async () => 'v2');
    expect(await cache.getOrSet('k', loader, options)).toBe('v1');
    expect(loader).not.toHaveBeenCalled();
    expect(events).toEqual(['error:acquireLock:false', 'stale:backend-error']);
  });

  test('concurrent stale callers share one refresh', async () => {
    await seed('v1');
    vi.advanceTimersByTime(2_000);
    const gate = deferred<string>();
    const loader = vi.fn(() => gate.promise);
    const callers = Array.from({ length: 10 }, () =>
      cache.getOrSet('k', loader, { ...options, loaderTimeoutMs: 20 }),
    );
    await vi.advanceTimersByTimeAsync(20);
    expect(await Promise.all(callers)).toEqual(Array(10).fill('v1'));
    expect(loader).toHaveBeenCalledTimes(1);
    gate.resolve('v2');
    await cache.idle();
    expect(await cache.get('k')).toBe('v2');
  });
});
