import { BackendError } from '@cachestack/core';
import { baseOnly, deferred, ReferenceBackend, ReferenceStore } from '@cachestack/test-support';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createCache } from '../src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('getOrSet in one process', () => {
  test('a miss calls the loader once and stores the value; a hit does not call it', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const loader = vi.fn(async () => ({ n: 1 }));
    expect(await cache.getOrSet('k', loader, { ttlMs: 60_000 })).toStrictEqual({ n: 1 });
    expect(await cache.getOrSet('k', loader, { ttlMs: 60_000 })).toStrictEqual({ n: 1 });
    expect(await cache.get('k')).toStrictEqual({ n: 1 });
    expect(loader).toHaveBeenCalledTimes(1);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, loaderCalls: 1, sets: 1 });
  });

  test.each([
    ['a lockable backend', () => new ReferenceBackend()],
    ['a base-only backend', () => baseOnly(new ReferenceBackend())],
  ])('single-flight on %s: 50 concurrent callers, one loader call', async (_name, make) => {
    const cache = createCache({ backend: make() });
    const gate = deferred<string>();
    const loader = vi.fn(() => gate.promise);
    const callers = Array.from({ length: 50 }, () =>
      cache.getOrSet('hot', loader, { ttlMs: 60_000 }),
    );
    await vi.waitFor(() => expect(loader).toHaveBeenCalledTimes(1));
    gate.resolve('value');
    expect(await Promise.all(callers)).toEqual(Array(50).fill('value'));
    expect(loader).toHaveBeenCalledTimes(1);
    expect(cache.stats().stampedesAvoided).toBe(49);
  });

  test('different keys load independently', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const loader = vi.fn(async () => 'v');
    await Promise.all([cache.getOrSet('a', loader), cache.getOrSet('b', loader)]);
    expect(loader).toHaveBeenCalledTimes(2);
  });

  test('a loader error reaches every waiter and is not cached', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const gate = deferred<string>();
    const failure = new Error('database down');
    const loader = vi.fn(() => gate.promise);
    const callers = Array.from({ length: 5 }, () =>
      cache.getOrSet('k', loader).then(
        () => 'resolved',
        (error: unknown) => error,
      ),
    );
    await vi.waitFor(() => expect(loader).toHaveBeenCalledTimes(1));
    gate.reject(failure);
    expect(await Promise.all(callers)).toEqual(Array(5).fill(failure));
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.getOrSet('k', async () => 'second try')).toBe('second try');
  });

  test('a loader error is reported once as an error event (not handled)', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const events: [string, boolean][] = [];
    cache.on('error', (event) => events.push([event.operation, event.handled]));
    await expect(cache.getOrSet('k', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(events).toEqual([['loader', false]]);
    expect(cache.stats().errors).toBe(1);
  });

  test('a loader that resolves undefined is returned but not cached', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const loader = vi.fn(async () => undefined);
    expect(await cache.getOrSet('k', loader)).toBeUndefined();
    expect(await cache.getOrSet('k', loader)).toBeUndefined();
    expect(loader).toHaveBeenCalledTimes(2);
  });

  test('sync loaders work, and a sync throw rejects', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    expect(await cache.getOrSet('k', () => 7)).toBe(7);
    await expect(
      cache.getOrSet('j', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
  });

  test('ttlMs is honoured: after it passes the loader runs again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    let n = 0;
    const loader = vi.fn(async () => ++n);
    expect(await cache.getOrSet('k', loader, { ttlMs: 1_000 })).toBe(1);
    vi.advanceTimersByTime(999);
    expect(await cache.getOrSet('k', loader, { ttlMs: 1_000 })).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await cache.getOrSet('k', loader, { ttlMs: 1_000 })).toBe(2);
    expect(loader).toHaveBeenCalledTimes(2);
    const ttl = (await backend.getTtl('k'))!;
    expect(ttl).toBeLessThanOrEqual(1_000);
    expect(ttl).toBeGreaterThan(0);
  });

  test('bad options reject with a classified error', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    await expect(cache.getOrSet('k', async () => 1, { ttlMs: 0 })).rejects.toMatchObject({
      code: 'INVALID_TTL',
    });
    await expect(cache.getOrSet('k', async () => 1, { graceMs: -1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(cache.getOrSet('k', 'nope' as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  test('a value the serializer rejects fails the call and caches nothing', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const error = await cache.getOrSet('k', async () => Symbol('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe('INVALID_VALUE');
  });
});

describe('getOrSet across instances sharing one store (lock)', () => {
  test('two "processes" on one store: one loader call, the other waits and reads', async () => {
    const store = new ReferenceStore();
    const first = createCache({ backend: new ReferenceBackend(store) });
    const second = createCache({ backend: new ReferenceBackend(store) });
    const gate = deferred<string>();
    const loaderA = vi.fn(() => gate.promise);
    const loaderB = vi.fn(async () => 'from B');
    const a = first.getOrSet('k', loaderA, { ttlMs: 60_000 });
    await vi.waitFor(() => expect(loaderA).toHaveBeenCalledTimes(1));
    const b = second.getOrSet('k', loaderB, { ttlMs: 60_000, lockWaitMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    gate.resolve('from A');
    expect(await Promise.all([a, b])).toEqual(['from A', 'from A']);
    expect(loaderB).not.toHaveBeenCalled();
    expect(second.stats().stampedesAvoided).toBe(1);
    expect(store.locks().size).toBe(0);
  });

  test("lock timeout with the value still missing: 'load' runs the loader, 'throw' rejects", async () => {
    const store = new ReferenceStore();
    const holder = new ReferenceBackend(store);
    const lockK = await holder.acquireLock('k', { ttlMs: 60_000 });
    const lockJ = await holder.acquireLock('j', { ttlMs: 60_000 });
    expect(lockK).toBeDefined();
    expect(lockJ).toBeDefined();
    const cache = createCache({ backend: new ReferenceBackend(store) });
    expect(await cache.getOrSet('k', async () => 'loaded anyway', { lockWaitMs: 30 })).toBe(
      'loaded anyway',
    );
    await expect(
      cache.getOrSet('j', async () => 'x', { lockWaitMs: 30, onLockTimeout: 'throw' }),
    ).rejects.toMatchObject({ code: 'LOCK_TIMEOUT', type: 'TIMEOUT' });
    expect(await cache.get('j')).toBeUndefined();
    await lockK!.release();
    await lockJ!.release();
  });

  test('lock: false skips the backend lock', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    await cache.getOrSet('k', async () => 1, { lock: false });
    expect(backend.calls.acquireLock).toBeUndefined();
    await cache.getOrSet('j', async () => 1);
    expect(backend.calls.acquireLock).toBe(1);
  });

  test('the lock is extended while a slow loader runs', async () => {
    vi.useFakeTimers({
      toFake: ['Date', 'performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
    });
    const store = new ReferenceStore();
    const cache = createCache({ backend: new ReferenceBackend(store), lockTtlMs: 1_000 });
    const other = new ReferenceBackend(store);
    const stolen: unknown[] = [];
    const pending = cache.getOrSet('k', async () => {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        stolen.push(await other.acquireLock('k', { ttlMs: 1_000 }));
      }
      return 'done';
    });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await pending).toBe('done');
    expect(stolen).toEqual([undefined, undefined, undefined, undefined, undefined]);
    // Once the load is over the lock is released.
    expect(await other.acquireLock('k', { ttlMs: 1_000 })).toBeDefined();
  });
});
