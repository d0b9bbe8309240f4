import { describe, expect, it } from 'vitest';
import { bytes, closedAfterEach, expectBackendError, text } from './helpers.js';

const create = closedAfterEach();

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of iterable) keys.push(key);
  return keys.sort();
}

describe('batch', () => {
  it('setMany, getMany and deleteMany', async () => {
    const cache = create();
    await cache.setMany([
      { key: 'a', value: bytes('1') },
      { key: 'b', value: bytes('2'), ttlMs: 60_000 },
      { key: 'a', value: bytes('3') },
    ]);
    const values = await cache.getMany(['a', 'missing', 'b']);
    expect(values.map(text)).toEqual(['3', undefined, '2']);
    expect(await cache.getTtl('b')).toBeLessThanOrEqual(60_000);
    expect(await cache.deleteMany(['a', 'missing', 'a'])).toBe(1);
    expect(await cache.exists('a')).toBe(false);
    expect(await cache.exists('b')).toBe(true);
  });

  it('validates every key and TTL before changing anything', async () => {
    const cache = create();
    await cache.set('a', bytes('old'));
    await expectBackendError(
      cache.setMany([
        { key: 'a', value: bytes('new') },
        { key: 'b', value: bytes('x'), ttlMs: -1 },
      ]),
      'INVALID_TTL',
    );
    await expectBackendError(cache.deleteMany(['a', '']), 'INVALID_KEY');
    await expectBackendError(cache.getMany(['a', 5 as never]), 'INVALID_KEY');
    expect(text(await cache.get('a'))).toBe('old');
    expect(await cache.exists('b')).toBe(false);
  });
});

describe('clear and keys', () => {
  it('lists live keys, optionally by prefix, and clear empties the backend', async () => {
    const cache = create();
    await cache.set('user:1', bytes('a'));
    await cache.set('user:2', bytes('b'));
    await cache.set('post:1', bytes('c'));
    expect(await collect(cache.keys())).toEqual(['post:1', 'user:1', 'user:2']);
    expect(await collect(cache.keys('user:'))).toEqual(['user:1', 'user:2']);
    expect(await collect(cache.keys(''))).toHaveLength(3);
    expect(await collect(cache.keys('nothing'))).toEqual([]);
    await cache.clear();
    expect(await collect(cache.keys())).toEqual([]);
    expect((await cache.healthCheck()).details).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('skips keys deleted during iteration', async () => {
    const cache = create();
    await cache.setMany(['a', 'b', 'c'].map((key) => ({ key, value: bytes(key) })));
    const seen: string[] = [];
    for await (const key of cache.keys()) {
      seen.push(key);
      if (seen.length === 1) await cache.deleteMany(['a', 'b', 'c'].filter((k) => k !== key));
    }
    expect(seen).toHaveLength(1);
  });

  it('two backends never share entries', async () => {
    const one = create();
    const two = create();
    await one.set('k', bytes('1'));
    expect(await two.exists('k')).toBe(false);
    await two.clear();
    expect(await one.exists('k')).toBe(true);
  });
});
