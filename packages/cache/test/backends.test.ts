import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BaseBackend, isKeyIterable } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { SqliteBackend } from '@cachestack/sqlite';
import { TieredBackend } from '@cachestack/tiered';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { createCache } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cachestack-cache-backends-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const sqlite = () =>
  new SqliteBackend({ path: join(dir, 'cache.db'), namespace: `ns${++counter}` });

const backends: [string, () => BaseBackend][] = [
  ['memory', () => new MemoryBackend()],
  ['sqlite', sqlite],
  [
    'tiered (memory over sqlite)',
    () => new TieredBackend({ tiers: [new MemoryBackend(), sqlite()] }),
  ],
];

describe.each(backends)('the cache on the real %s backend', (_name, make) => {
  test('set/get/getMany, getOrSet single-flight, namespace clear', async () => {
    const backend = make();
    try {
      const cache = createCache({ backend, namespace: 'app' });
      await cache.set('a', { when: new Date(1), big: 1n });
      expect(await cache.get('a')).toEqual({ when: new Date(1), big: 1n });
      const loader = vi.fn(async () => 'loaded');
      expect(await Promise.all([cache.getOrSet('b', loader), cache.getOrSet('b', loader)])).toEqual(
        ['loaded', 'loaded'],
      );
      expect(loader).toHaveBeenCalledTimes(1);
      expect(await cache.getMany(['a', 'b', 'c'])).toEqual([
        { when: new Date(1), big: 1n },
        'loaded',
        undefined,
      ]);
      const root = createCache({ backend });
      await root.set('outside', 1);
      // A namespaced clear needs KeyIterable; without it the cache must refuse, not clear everything.
      if (isKeyIterable(backend)) {
        await cache.clear();
        expect(await cache.get('a')).toBeUndefined();
      } else {
        await expect(cache.clear()).rejects.toMatchObject({ code: 'CAPABILITY_NOT_AVAILABLE' });
        expect(await cache.get('a')).toBeDefined();
      }
      expect(await root.get('outside')).toBe(1);
    } finally {
      await backend.close();
    }
  });
});
