import type { BackendError } from '@cachestack/core';
import { baseOnly, ReferenceBackend, rejection } from '@cachestack/test-support';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createCache, ENVELOPE_HEADER_BYTES } from '../src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createCache options', () => {
  test.each([
    [{}, /backend/],
    [{ backend: new ReferenceBackend(), namespace: '' }, /namespace/],
    [{ backend: new ReferenceBackend(), defaultTtlMs: 0 }, /defaultTtlMs/],
    [{ backend: new ReferenceBackend(), defaultTtlMs: Number.POSITIVE_INFINITY }, /defaultTtlMs/],
    [{ backend: new ReferenceBackend(), serializer: {} }, /serializer/],
    [{ backend: new ReferenceBackend(), onCorrupt: 'ignore' }, /onCorrupt/],
    [{ backend: new ReferenceBackend(), failOpen: 'yes' }, /failOpen/],
    [{ backend: new ReferenceBackend(), lockTtlMs: -1 }, /lockTtlMs/],
    [{ backend: new ReferenceBackend(), lockWaitMs: Number.NaN }, /lockWaitMs/],
  ])('rejects bad options with a TypeError naming the option (%#)', (options, message) => {
    expect(() => createCache(options as never)).toThrow(TypeError);
    expect(() => createCache(options as never)).toThrow(message);
  });
});

describe('strict options', () => {
  test('a misspelt createCache option is a TypeError suggesting the known one', () => {
    expect(() =>
      createCache({ backend: new ReferenceBackend(), defaultTTLMs: 5 } as never),
    ).toThrow(
      new TypeError('createCache: unknown option "defaultTTLMs" (did you mean "defaultTtlMs"?)'),
    );
  });

  test('set(key, value, 5000) rejects, showing the right call; nothing is written', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const error = await rejection(cache.set('k', 1, 5000 as never));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', operation: 'set' });
    expect(error.message).toContain('cache.set(key, value, { ttlMs: 5000 })');
    expect(await cache.get('k')).toBeUndefined();
  });

  test('getOrSet(key, loader, 5000) rejects, showing the right call; the loader never runs', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const loader = vi.fn(async () => 1);
    const error = await rejection(cache.getOrSet('k', loader, 5000 as never));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', operation: 'getOrSet' });
    expect(error.message).toContain('cache.getOrSet(key, loader, { ttlMs: 5000 })');
    expect(loader).not.toHaveBeenCalled();
  });

  test('a misspelt per-call option rejects with INVALID_ARGUMENT suggesting the known one', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const set = await rejection(cache.set('k', 1, { ttl: 5 } as never));
    expect(set).toMatchObject({ code: 'INVALID_ARGUMENT', operation: 'set' });
    expect(set.message).toContain('unknown option "ttl" (known options: "ttlMs", "tags")');
    const getOrSet = await rejection(cache.getOrSet('k', async () => 1, { graceMS: 5 } as never));
    expect(getOrSet.message).toContain('unknown option "graceMS" (did you mean "graceMs"?)');
    const setMany = await rejection(cache.setMany([{ key: 'k', value: 1, ttlMS: 5 } as never]));
    expect(setMany.message).toContain('unknown option "ttlMS" (did you mean "ttlMs"?)');
    expect(await cache.get('k')).toBeUndefined();
  });
});

describe('get / set / delete / has', () => {
  test('round-trips typed values; null is a value, a missing key is undefined', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    await cache.set('user', { id: 1, tags: new Set(['a']), seen: new Date(0) });
    expect(await cache.get('user')).toStrictEqual({
      id: 1,
      tags: new Set(['a']),
      seen: new Date(0),
    });
    await cache.set('nothing', null);
    expect(await cache.get('nothing')).toBeNull();
    expect(await cache.has('nothing')).toBe(true);
    expect(await cache.get('missing')).toBeUndefined();
    expect(await cache.has('missing')).toBe(false);
  });

  test('an empty string and an empty byte array are hits', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    await cache.set('s', '');
    await cache.set('b', new Uint8Array(0));
    expect(await cache.get('s')).toBe('');
    expect(await cache.get('b')).toStrictEqual(new Uint8Array(0));
  });

  test('returned values are copies: mutating them does not change the cache', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const bytes = new Uint8Array([1, 2, 3]);
    await cache.set('b', bytes);
    bytes[0] = 9;
    const first = (await cache.get<Uint8Array>('b'))!;
    first[1] = 9;
    expect(await cache.get('b')).toStrictEqual(new Uint8Array([1, 2, 3]));
  });

  test('undefined is rejected as a value (it would read back as a miss)', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const error = await rejection(cache.set('k', undefined));
    expect(error.code).toBe('INVALID_VALUE');
    expect(error.isPermanent).toBe(true);
  });

  test('a value the serializer cannot encode is INVALID_VALUE and nothing is stored', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    const error = await rejection(cache.set('k', { f: () => 1 }));
    expect(error.code).toBe('INVALID_VALUE');
    expect(error.operation).toBe('serialize');
    expect(backend.rawKeys()).toEqual([]);
  });

  test('delete resolves whether the key existed', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    await cache.set('k', 1);
    expect(await cache.delete('k')).toBe(true);
    expect(await cache.delete('k')).toBe(false);
    expect(await cache.get('k')).toBeUndefined();
  });

  test.each([
    ['empty', ''],
    ['not a string', 42],
    ['lone surrogate', '\uD800'],
    ['too long', 'x'.repeat(1025)],
  ])('invalid key (%s) rejects with INVALID_KEY on every method', async (_name, key) => {
    const cache = createCache({ backend: new ReferenceBackend() });
    for (const call of [
      () => cache.get(key as string),
      () => cache.set(key as string, 1),
      () => cache.delete(key as string),
      () => cache.has(key as string),
      () => cache.getOrSet(key as string, async () => 1),
      () => cache.getMany([key as string]),
    ]) {
      const error = await rejection(Promise.resolve().then(call));
      expect(error.code).toBe('INVALID_KEY');
    }
  });

  test('ttlMs is honoured and defaultTtlMs applies when none is given', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const backend = new ReferenceBackend();
    const cache = createCache({ backend, defaultTtlMs: 1_000 });
    await cache.set('short', 'a', { ttlMs: 100 });
    await cache.set('default', 'b');
    vi.advanceTimersByTime(99);
    expect(await cache.get('short')).toBe('a');
    vi.advanceTimersByTime(1);
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('default')).toBe('b');
    vi.advanceTimersByTime(900);
    expect(await cache.get('default')).toBeUndefined();
    expect(await backend.getTtl('default')).toBeUndefined();
  });

  test('set without ttl (and no default) never expires and clears an older expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    await cache.set('k', 1, { ttlMs: 10 });
    await cache.set('k', 2);
    vi.advanceTimersByTime(10 ** 12);
    expect(await cache.get('k')).toBe(2);
    expect(await backend.getTtl('k')).toBe(Number.POSITIVE_INFINITY);
  });

  test.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, '10'])(
    'ttlMs %s is INVALID_TTL and the old entry is unchanged',
    async (ttlMs) => {
      const cache = createCache({ backend: new ReferenceBackend() });
      await cache.set('k', 'old');
      const error = await rejection(cache.set('k', 'new', { ttlMs: ttlMs as number }));
      expect(error.code).toBe('INVALID_TTL');
      expect(await cache.get('k')).toBe('old');
    },
  );

  test('fractional ttlMs rounds up', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    await cache.set('k', 1, { ttlMs: 1_000.2 });
    const ttl = (await backend.getTtl('k'))!;
    expect(ttl).toBeGreaterThan(999);
    expect(ttl).toBeLessThanOrEqual(1_001);
  });

  test('backend failures surface as the backend BackendError', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    await backend.close();
    for (const call of [() => cache.get('k'), () => cache.set('k', 1), () => cache.delete('k')]) {
      const error = await rejection(call());
      expect(error.code).toBe('CLOSED');
    }
  });
});

describe('corrupt entries', () => {
  const corruptions: [string, Uint8Array][] = [
    ['foreign bytes', new TextEncoder().encode('written by someone else')],
    ['empty', new Uint8Array(0)],
    [
      'header only, bad payload',
      (() => {
        const bytes = new Uint8Array(ENVELOPE_HEADER_BYTES + 2);
        bytes[0] = 0xca;
        bytes[ENVELOPE_HEADER_BYTES] = 0x7f;
        new DataView(bytes.buffer).setFloat64(2, Number.POSITIVE_INFINITY, true);
        new DataView(bytes.buffer).setFloat64(10, Number.POSITIVE_INFINITY, true);
        return bytes;
      })(),
    ],
  ];

  test.each(corruptions)(
    'onCorrupt miss (default): %s is a miss, deleted, reported',
    async (_name, bytes) => {
      const backend = new ReferenceBackend();
      const cache = createCache({ backend });
      const errors: string[] = [];
      cache.on('error', (event) =>
        errors.push(`${(event.error as BackendError).code}:${event.handled}`),
      );
      backend.plant('k', bytes);
      expect(await cache.get('k')).toBeUndefined();
      expect(errors).toEqual(['CORRUPT:true']);
      expect(backend.rawKeys()).toEqual([]);
      expect(cache.stats().errors).toBe(1);
      expect(await cache.getOrSet('k', async () => 'repaired')).toBe('repaired');
    },
  );

  test.each(corruptions)(
    'onCorrupt throw: %s rejects with PERMANENT CORRUPT',
    async (_name, bytes) => {
      const backend = new ReferenceBackend();
      const cache = createCache({ backend, onCorrupt: 'throw' });
      backend.plant('k', bytes);
      const error = await rejection(cache.get('k'));
      expect(error.code).toBe('CORRUPT');
      expect(error.isPermanent).toBe(true);
      expect(error.operation).toBe('deserialize');
      expect(backend.rawKeys()).toEqual(['k']);
    },
  );
});

describe('getMany / setMany', () => {
  test.each([
    ['a Batch backend', () => new ReferenceBackend()],
    ['a base-only backend', () => baseOnly(new ReferenceBackend())],
  ])('work on %s', async (_name, make) => {
    const cache = createCache({ backend: make() });
    await cache.setMany<unknown>([
      { key: 'a', value: 1 },
      { key: 'b', value: { x: 'y' }, ttlMs: 60_000 },
      { key: 'c', value: null },
    ]);
    expect(await cache.getMany(['a', 'missing', 'b', 'c'])).toStrictEqual([
      1,
      undefined,
      { x: 'y' },
      null,
    ]);
  });

  test('setMany validates every entry before writing anything', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    const error = await rejection(
      cache.setMany([
        { key: 'ok', value: 1 },
        { key: 'bad', value: 2, ttlMs: -1 },
      ]),
    );
    expect(error.code).toBe('INVALID_TTL');
    expect(backend.rawKeys()).toEqual([]);
  });

  test('getMany uses one backend call on a Batch backend', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    await cache.getMany(['a', 'b', 'c']);
    expect(backend.calls.getMany).toBe(1);
    expect(backend.calls.get).toBeUndefined();
  });
});

describe('clear', () => {
  test('the root cache uses the backend clear', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    await cache.set('a', 1);
    await cache.clear();
    expect(backend.calls.clear).toBe(1);
    expect(await cache.get('a')).toBeUndefined();
  });

  test('without clear or keys it rejects with CapabilityNotAvailableError', async () => {
    const cache = createCache({ backend: baseOnly(new ReferenceBackend()) });
    const error = await rejection(cache.clear());
    expect(error.code).toBe('CAPABILITY_NOT_AVAILABLE');
    const namespaced = createCache({ backend: baseOnly(new ReferenceBackend()), namespace: 'n' });
    expect((await rejection(namespaced.clear())).code).toBe('CAPABILITY_NOT_AVAILABLE');
  });
});
