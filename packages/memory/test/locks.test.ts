import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../src/index.js';
import { bytes, closedAfterEach, expectBackendError, sleep, text } from './helpers.js';

const create = closedAfterEach();

describe('locks', () => {
  it('excludes a second holder until released; tokens are random, fencing tokens grow', async () => {
    const cache = create();
    const first = await cache.acquireLock('job', { ttlMs: 5_000 });
    expect(first).toBeDefined();
    expect(first!.token).toMatch(/^[0-9a-f]{32}$/);
    expect(await cache.acquireLock('job', { ttlMs: 5_000 })).toBeUndefined();
    expect(await first!.release()).toBe(true);
    expect(await first!.release()).toBe(false);
    const second = await cache.acquireLock('job', { ttlMs: 5_000 });
    expect(second!.token).not.toBe(first!.token);
    expect(second!.fencingToken).toBeGreaterThan(first!.fencingToken!);
    await second!.release();
  });

  it('lock keys never collide with data keys', async () => {
    const cache = create();
    await cache.set('job', bytes('data'));
    const lock = await cache.acquireLock('job', { ttlMs: 5_000 });
    expect(lock).toBeDefined();
    expect(text(await cache.get('job'))).toBe('data');
    expect(await cache.delete('job')).toBe(true);
    expect(await cache.exists('job')).toBe(false);
    await cache.clear();
    expect(await cache.acquireLock('job', { ttlMs: 5_000 })).toBeUndefined();
    const keys: string[] = [];
    for await (const key of cache.keys()) keys.push(key);
    expect(keys).toEqual([]);
    await lock!.release();
  });

  it('expires by itself; an expired holder can neither extend nor release the new lock', async () => {
    const cache = create();
    const stale = await cache.acquireLock('job', { ttlMs: 30 });
    await sleep(60);
    const fresh = await cache.acquireLock('job', { ttlMs: 5_000 });
    expect(fresh).toBeDefined();
    expect(await stale!.extend(5_000)).toBe(false);
    expect(await stale!.release()).toBe(false);
    expect(await cache.acquireLock('job', { ttlMs: 5_000 })).toBeUndefined();
    expect(await fresh!.extend(10_000)).toBe(true);
    await fresh!.release();
  });

  it('waits up to waitMs for a release', async () => {
    const cache = create();
    const holder = await cache.acquireLock('job', { ttlMs: 5_000 });
    setTimeout(() => void holder!.release(), 30);
    const started = performance.now();
    const waiter = await cache.acquireLock('job', { ttlMs: 5_000, waitMs: 2_000 });
    expect(waiter).toBeDefined();
    expect(performance.now() - started).toBeLessThan(1_500);
    await waiter!.release();
  });

  it('await using releases the lock, even when the body throws', async () => {
    const cache = create();
    const attempt = async (): Promise<void> => {
      await using lock = await cache.acquireLock('job', { ttlMs: 5_000 });
      expect(lock).toBeDefined();
      throw new Error('body failed');
    };
    await expect(attempt()).rejects.toThrow('body failed');
    const again = await cache.acquireLock('job', { ttlMs: 5_000 });
    expect(again).toBeDefined();
    await again!.release();
  });

  it('serialises K workers doing M locked increments', async () => {
    const cache = create();
    let counter = 0;
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        const lock = await cache.acquireLock('counter', { ttlMs: 5_000, waitMs: 10_000 });
        expect(lock).toBeDefined();
        const seen = counter;
        await sleep(0);
        counter = seen + 1;
        await lock!.release();
      }
    };
    await Promise.all(Array.from({ length: 5 }, worker));
    expect(counter).toBe(50);
  });

  it('validates ttlMs and waitMs', async () => {
    const cache = create();
    await expectBackendError(cache.acquireLock('job', { ttlMs: 0 }), 'INVALID_TTL');
    await expectBackendError(
      cache.acquireLock('job', { ttlMs: 10, waitMs: -1 }),
      'INVALID_ARGUMENT',
    );
    const lock = await cache.acquireLock('job', { ttlMs: 1_000 });
    await expectBackendError(lock!.extend(Number.NaN), 'INVALID_TTL');
    await lock!.release();
  });

  it('close wakes waiters with CLOSED and hands them no lock', async () => {
    const cache = new MemoryBackend();
    const holder = await cache.acquireLock('job', { ttlMs: 5_000 });
    const waiter = cache.acquireLock('job', { ttlMs: 5_000, waitMs: 5_000 });
    await sleep(10);
    await cache.close();
    await expectBackendError(waiter, 'CLOSED', 'PERMANENT');
    await expectBackendError(holder!.release(), 'CLOSED', 'PERMANENT');
  });
});
