import { ReferenceBackend } from '@cachestack/test-support';
import { describe, expect, test, vi } from 'vitest';
import { createCache } from '../src/index.js';

describe('stats', () => {
  test('count hits, misses, sets, deletes and loader calls', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    await cache.set('a', 1);
    await cache.get('a');
    await cache.get('b');
    await cache.getMany(['a', 'b', 'c']);
    await cache.delete('a');
    await cache.delete('a');
    await cache.getOrSet('c', async () => 3);
    expect(cache.stats()).toEqual({
      hits: 2,
      objectTierHits: 0,
      misses: 4,
      sets: 2,
      deletes: 1,
      errors: 0,
      loaderCalls: 1,
      stampedesAvoided: 0,
      staleServed: 0,
    });
    cache.resetStats();
    expect(cache.stats().hits).toBe(0);
  });

  test('stats() returns a snapshot, not a live object', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const before = cache.stats();
    await cache.get('x');
    expect(before.misses).toBe(0);
    expect(cache.stats().misses).toBe(1);
  });

  test('backend errors are counted', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    await backend.close();
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(cache.set('k', 1)).rejects.toMatchObject({ code: 'CLOSED' });
    expect(cache.stats().errors).toBe(2);
  });
});

describe('events', () => {
  test('hit, miss, set and delete carry the key and the store key', async () => {
    const cache = createCache({ backend: new ReferenceBackend(), namespace: 'ns' });
    const seen: string[] = [];
    cache.on('hit', (e) => seen.push(`hit ${e.key} ${e.storeKey}`));
    cache.on('miss', (e) => seen.push(`miss ${e.key}`));
    cache.on('set', (e) => seen.push(`set ${e.key} ${e.ttlMs}`));
    cache.on('delete', (e) => seen.push(`delete ${e.key} ${e.existed}`));
    await cache.get('k');
    await cache.set('k', 1, { ttlMs: 5_000 });
    await cache.get('k');
    await cache.delete('k');
    expect(seen).toEqual(['miss k', 'set k 5000', 'hit k ns:k', 'delete k true']);
  });

  test('error events carry the classified error and whether it was handled', async () => {
    const backend = new ReferenceBackend();
    const onError = vi.fn();
    const cache = createCache({ backend, onError });
    await backend.close();
    await expect(cache.get('k')).rejects.toThrow();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toMatchObject({
      operation: 'get',
      key: 'k',
      handled: false,
      error: { code: 'CLOSED' },
    });
  });

  test('on returns an unsubscribe function; off removes a listener', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const first = vi.fn();
    const second = vi.fn();
    const stop = cache.on('miss', first);
    cache.on('miss', second);
    await cache.get('x');
    stop();
    cache.off('miss', second);
    await cache.get('x');
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
  });

  test('a throwing listener does not break the operation', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    cache.on('set', () => {
      throw new Error('listener bug');
    });
    await cache.set('k', 1);
    expect(await cache.get('k')).toBe(1);
    expect(warning).toHaveBeenCalledWith(
      expect.stringContaining('listener bug'),
      'CacheListenerWarning',
    );
    warning.mockRestore();
  });

  test('a listener must be a function', () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    expect(() => cache.on('hit', 'nope' as never)).toThrow(TypeError);
  });
});
