import {
  BORROWED_READ,
  hasBorrowedRead,
  hasTransferredSet,
  LOCAL_READ_UNAVAILABLE,
  TRANSFERRED_SET,
} from '@cachestack/core';
import { recordTraces, settled } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import type { EvictionPolicy, MemoryBackend } from '../src/index.js';
import { simulateLatency } from '../src/memory-backend.js';
import { INLINE_MAX_BYTES } from '../src/stored-value.js';
import { closedAfterEach, expectBackendError, sleep } from './helpers.js';

const backend = closedAfterEach();
const POLICIES: EvictionPolicy[] = ['lru', 'tinylfu'];
const SIZE = 10 * 1024;

/** Test-only check: the stored array itself, seen through a borrowed read. */
function storedArray(cache: MemoryBackend, key: string): Uint8Array | undefined {
  const seen = cache[BORROWED_READ](key, (view) => view);
  if (seen === LOCAL_READ_UNAVAILABLE) throw new Error('borrowed read declined');
  return seen;
}

/** A Buffer of `size` bytes `byte`, over memory of its own (`Buffer.alloc` never uses the pool). */
const filled = (size: number, byte: number): Buffer => Buffer.alloc(size, byte);

describe.each(POLICIES)('transferred set (policy %s)', (policy) => {
  it('is offered, with the borrowed read', () => {
    const cache = backend({ policy });
    expect(hasTransferredSet(cache)).toBe(true);
    expect(hasBorrowedRead(cache)).toBe(true);
  });

  it('keeps an array that owns its memory wholly, without a copy', async () => {
    const cache = backend({ policy });
    const value = filled(SIZE, 7);
    await cache[TRANSFERRED_SET]('k', value, 60_000);
    expect(storedArray(cache, 'k')).toBe(value);
    expect(await cache.getTtl('k')).toBeGreaterThan(59_000);
    const read = (await cache.get('k')) as Uint8Array;
    expect(read).not.toBe(value);
    expect(read).toEqual(value);
  });

  it('copies a view that does not own its memory (a slice of a larger buffer)', async () => {
    const cache = backend({ policy });
    const parent = filled(2 * SIZE, 1);
    const view = parent.subarray(SIZE);
    await cache[TRANSFERRED_SET]('k', view);
    const stored = storedArray(cache, 'k') as Uint8Array;
    expect(stored).not.toBe(view);
    expect(stored.buffer).not.toBe(parent.buffer);
    expect(stored.byteLength).toBe(stored.buffer.byteLength);
    parent.fill(9);
    expect(await cache.get('k')).toEqual(filled(SIZE, 1));
  });

  it('copies a pooled Buffer and keeps small values as it always did', async () => {
    const cache = backend({ policy });
    const pooled = Buffer.from('a small pooled value');
    await cache[TRANSFERRED_SET]('k', pooled);
    pooled.fill(0);
    expect((await cache.get('k'))?.toString()).toBe('a small pooled value');
    const small = filled(INLINE_MAX_BYTES, 3);
    await cache[TRANSFERRED_SET]('small', small);
    expect(storedArray(cache, 'small')).not.toBe(small);
  });

  it('a plain set still copies an array that owns its memory', async () => {
    const cache = backend({ policy });
    const value = filled(SIZE, 7);
    await cache.set('k', value);
    expect(storedArray(cache, 'k')).not.toBe(value);
    value.fill(0);
    expect(await cache.get('k')).toEqual(filled(SIZE, 7));
  });

  it('copies under a simulated delay (the value is kept only after the wait)', async () => {
    const cache = backend({ policy });
    simulateLatency(cache, 5);
    const value = filled(SIZE, 7);
    await cache[TRANSFERRED_SET]('k', value);
    simulateLatency(cache, 0);
    expect(storedArray(cache, 'k')).not.toBe(value);
    expect(await cache.get('k')).toEqual(filled(SIZE, 7));
  });

  it('validates and fails as set does, leaving the old value', async () => {
    const cache = backend({ policy, maxValueBytes: 2 * SIZE });
    await cache.set('k', filled(SIZE, 1));
    await expectBackendError(cache[TRANSFERRED_SET]('', filled(SIZE, 2)), 'INVALID_KEY');
    await expectBackendError(cache[TRANSFERRED_SET]('k', filled(SIZE, 2), 0), 'INVALID_TTL');
    await expectBackendError(cache[TRANSFERRED_SET]('k', filled(3 * SIZE, 2)), 'VALUE_TOO_LARGE');
    await expectBackendError(
      cache[TRANSFERRED_SET]('k', 'text' as unknown as Uint8Array),
      'INVALID_VALUE',
    );
    expect(await cache.get('k')).toEqual(filled(SIZE, 1));
    await cache.close();
    await expectBackendError(cache[TRANSFERRED_SET]('k', filled(SIZE, 2)), 'CLOSED', 'PERMANENT');
  });

  it('is traced as a set while someone subscribes', async () => {
    const recording = recordTraces('cachestack:backend', {
      filter: (context) => context.backendType === 'memory',
    });
    try {
      const cache = backend({ policy });
      const value = filled(SIZE, 7);
      await cache[TRANSFERRED_SET]('k', value);
      expect(settled(recording.events).map((c) => [c.operation, c.key, c.outcome])).toEqual([
        ['set', 'k', 'ok'],
      ]);
      recording.stop();
      expect(storedArray(cache, 'k')).toBe(value);
    } finally {
      recording.stop();
    }
  });
});

describe.each(POLICIES)('borrowed read (policy %s)', (policy) => {
  it('lends the stored bytes to `use` and returns its result; undefined for a miss', async () => {
    const cache = backend({ policy });
    await cache.set('k', filled(SIZE, 5));
    await cache.set('small', Buffer.from('abc'));
    expect(cache[BORROWED_READ]('k', (view) => [view?.byteLength, view?.[0]])).toEqual([SIZE, 5]);
    expect(cache[BORROWED_READ]('small', (view) => Buffer.from(view ?? []).toString())).toBe('abc');
    expect(cache[BORROWED_READ]('missing', (view) => view)).toBeUndefined();
    // Lent, not copied: the same stored array on every read.
    expect(storedArray(cache, 'k')).toBe(storedArray(cache, 'k'));
  });

  it('hides expired entries', async () => {
    const cache = backend({ policy });
    await cache.set('k', filled(SIZE, 5), 20);
    await sleep(40);
    expect(cache[BORROWED_READ]('k', (view) => view)).toBeUndefined();
  });

  it('counts as a use, as get does', async () => {
    const cache = backend({ policy: 'lru', maxEntries: 2 });
    await cache.set('a', filled(SIZE, 1));
    await cache.set('b', filled(SIZE, 2));
    cache[BORROWED_READ]('a', () => undefined);
    await cache.set('c', filled(SIZE, 3));
    expect(await cache.exists('a')).toBe(true);
    expect(await cache.exists('b')).toBe(false);
  });

  it('throws INVALID_KEY before calling use; what use throws propagates', () => {
    const cache = backend({ policy });
    let called = false;
    expect(() =>
      cache[BORROWED_READ]('', () => {
        called = true;
      }),
    ).toThrow(/INVALID_KEY/);
    expect(called).toBe(false);
    expect(() =>
      cache[BORROWED_READ]('k', () => {
        throw new RangeError('from use');
      }),
    ).toThrow(RangeError);
  });

  it('declines, without calling use, whenever the local read does', async () => {
    const declines = async (cache: MemoryBackend): Promise<boolean> => {
      let called = false;
      const answer = cache[BORROWED_READ]('k', () => {
        called = true;
      });
      expect(called).toBe(answer !== LOCAL_READ_UNAVAILABLE);
      return answer === LOCAL_READ_UNAVAILABLE;
    };
    const plain = backend({ policy });
    await plain.set('k', filled(SIZE, 1));
    expect(await declines(plain)).toBe(false);
    expect(await plain.withTimeout('get', 1_000, () => declines(plain))).toBe(true);
    expect(await plain.withTimeout('set', 1_000, () => declines(plain))).toBe(false);

    const limited = backend({ policy, timeouts: { get: 1_000 } });
    await limited.set('k', filled(SIZE, 1));
    expect(await declines(limited)).toBe(true);

    const delayed = backend({ policy });
    await delayed.set('k', filled(SIZE, 1));
    simulateLatency(delayed, 5);
    expect(await declines(delayed)).toBe(true);
    simulateLatency(delayed, 0);

    const recording = recordTraces('cachestack:backend');
    try {
      expect(await declines(plain)).toBe(true);
    } finally {
      recording.stop();
    }
    expect(await declines(plain)).toBe(false);
    await plain.close();
    expect(await declines(plain)).toBe(true);
  });
});
