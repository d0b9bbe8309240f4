import { BackendError, BackendErrorType } from '@cachestack/core';
import { ReferenceBackend } from '@cachestack/test-support';
import { describe, expect, test, vi } from 'vitest';
import { createCache } from '../src/index.js';

function down(): BackendError {
  return new BackendError({
    type: BackendErrorType.TRANSIENT,
    code: 'UNAVAILABLE',
    message: 'connection refused',
    operation: 'get',
  });
}

describe('failOpen: true', () => {
  test('reads resolve as misses and the error is still reported', async () => {
    const backend = new ReferenceBackend();
    const onError = vi.fn();
    const cache = createCache({ backend, failOpen: true, onError });
    await cache.set('k', 1);
    backend.failWith = down();
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    expect(await cache.getMany(['k', 'j'])).toEqual([undefined, undefined]);
    expect(onError).toHaveBeenCalledTimes(3);
    expect(onError.mock.calls.every(([event]) => event.handled === true)).toBe(true);
    expect(cache.stats()).toMatchObject({ errors: 3, misses: 3 });
  });

  test('getOrSet still returns the loaded value when the backend is down', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend, failOpen: true });
    backend.failWith = down();
    const loader = vi.fn(async () => 'computed');
    expect(await cache.getOrSet('k', loader)).toBe('computed');
    expect(loader).toHaveBeenCalledTimes(1);
    // read, lock and write all failed and were reported
    expect(cache.stats().errors).toBe(3);
  });

  test('writes, deletes and clear still reject', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend, failOpen: true });
    backend.failWith = down();
    await expect(cache.set('k', 1)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(cache.delete('k')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(cache.clear()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  test('the cache recovers when the backend does', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend, failOpen: true });
    backend.failWith = down();
    expect(await cache.get('k')).toBeUndefined();
    backend.failWith = undefined;
    await cache.set('k', 2);
    expect(await cache.get('k')).toBe(2);
  });
});

describe('failOpen: false (default)', () => {
  test('reads and getOrSet reject with the backend error; the loader is not called', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    backend.failWith = down();
    await expect(cache.get('k')).rejects.toMatchObject({ type: 'TRANSIENT', code: 'UNAVAILABLE' });
    await expect(cache.getMany(['k'])).rejects.toBeInstanceOf(BackendError);
    const loader = vi.fn(async () => 1);
    await expect(cache.getOrSet('k', loader)).rejects.toBeInstanceOf(BackendError);
    expect(loader).not.toHaveBeenCalled();
  });
});
