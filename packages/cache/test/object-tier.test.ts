import { setTimeout as sleep } from 'node:timers/promises';
import type { BaseBackend } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { baseOnly, deferred, ReferenceBackend } from '@cachestack/test-support';
import { describe, expect, test } from 'vitest';
import { type CacheOptions, createCache } from '../src/index.js';
import { counting } from './support/counting-backend.js';

const user = () => ({ id: 7, name: 'Ada', roles: ['admin'], address: { city: 'London' } });

function cacheWith(
  objectCache: CacheOptions['objectCache'],
  backend: BaseBackend = new MemoryBackend(),
) {
  const seen = counting(backend);
  return { cache: createCache({ backend: seen.backend, objectCache }), log: seen.log };
}

describe('object tier: what a hit returns', () => {
  test('freeze: every hit returns the same deep-frozen object; mutation cannot reach another caller', async () => {
    const { cache, log } = cacheWith({ maxEntries: 10, ttlMs: 60_000 });
    await cache.set('u', user());
    const first = await cache.get<ReturnType<typeof user>>('u');
    const second = await cache.getOrSet('u', async () => ({ id: 0 }));
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.roles)).toBe(true);
    expect(Object.isFrozen(first?.address)).toBe(true);
    expect(() => {
      (first as { name: string }).name = 'Eve';
    }).toThrow(TypeError);
    expect(() => first?.roles.push('root')).toThrow(TypeError);
    expect(await cache.get('u')).toEqual(user());
    expect(log.calls.get).toBe(1); // only the first read went to the backend
    expect(cache.stats()).toMatchObject({ hits: 3, objectTierHits: 2 });
  });

  test('clone: every hit is a fresh deep copy; changing one never reaches another caller', async () => {
    const { cache, log } = cacheWith({ maxEntries: 10, ttlMs: 60_000, mode: 'clone' });
    const value = {
      at: new Date(1_700_000_000_000),
      tags: new Set(['a']),
      counts: new Map([['x', 1]]),
      bytes: new Uint8Array([1, 2, 3]),
      nested: { list: [1, { deep: true }] },
    };
    await cache.set('v', value);
    const a = (await cache.get<typeof value>('v')) as typeof value;
    a.at.setTime(0);
    a.tags.add('mutated');
    a.counts.set('x', 99);
    (a.bytes as Uint8Array)[0] = 42;
    (a.nested.list as unknown[]).push('more');
    const b = (await cache.get<typeof value>('v')) as typeof value;
    expect(b).not.toBe(a);
    expect(b).toEqual(value);
    expect(b.at).toBeInstanceOf(Date);
    expect(b.bytes).toBeInstanceOf(Uint8Array);
    expect(log.calls.get).toBe(1);
    expect(cache.stats().objectTierHits).toBe(1);
  });

  test('freeze: a value freezing cannot protect (Date, Map) is copied per hit instead', async () => {
    const { cache } = cacheWith({ maxEntries: 10, ttlMs: 60_000 });
    await cache.set('d', { at: new Date(5), ids: new Set([1]) });
    const a = (await cache.get<{ at: Date; ids: Set<number> }>('d')) as {
      at: Date;
      ids: Set<number>;
    };
    a.at.setTime(9);
    a.ids.add(2);
    expect(await cache.get('d')).toEqual({ at: new Date(5), ids: new Set([1]) });
    expect(cache.stats().objectTierHits).toBe(1);
  });

  test('share: the same mutable object (the documented danger)', async () => {
    const { cache } = cacheWith({ maxEntries: 10, ttlMs: 60_000, mode: 'share' });
    await cache.set('s', { n: 1 });
    const a = (await cache.get<{ n: number }>('s')) as { n: number };
    a.n = 2;
    expect(Object.isFrozen(a)).toBe(false);
    expect(await cache.get('s')).toBe(a);
  });

  test('values the modes cannot hold faithfully (a Buffer) are decoded per hit, as without the tier', async () => {
    const { cache, log } = cacheWith({ maxEntries: 10, ttlMs: 60_000 });
    await cache.set('b', Buffer.from('bytes'));
    const a = await cache.get('b');
    const b = await cache.get('b');
    expect(Buffer.isBuffer(a) && Buffer.isBuffer(b)).toBe(true);
    expect(b).not.toBe(a);
    expect(log.calls.get).toBe(2);
    expect(cache.stats()).toMatchObject({ hits: 2, objectTierHits: 0 });
  });

  test('primitives are served from the tier in every mode', async () => {
    const { cache, log } = cacheWith({ maxEntries: 10, ttlMs: 60_000, mode: 'clone' });
    await cache.set('t', 'text');
    expect([await cache.get('t'), await cache.get('t'), await cache.has('t')]).toEqual([
      'text',
      'text',
      true,
    ]);
    expect(log.calls.get).toBe(1);
  });
});

describe('object tier: never serves what the cache would not', () => {
  test('an entry is not served past its own fresh time (the tier cap is longer)', async () => {
    const { cache } = cacheWith({ maxEntries: 10, ttlMs: 60_000 });
    await cache.set('short', { v: 1 }, { ttlMs: 300 });
    expect(await cache.get('short')).toEqual({ v: 1 });
    expect(await cache.get('short')).toEqual({ v: 1 });
    expect(cache.stats().objectTierHits).toBe(1);
    await sleep(320);
    expect(await cache.get('short')).toBeUndefined();
  });

  test('past its fresh time getOrSet follows the grace rules: the stale value only when the loader fails', async () => {
    const { cache } = cacheWith({ maxEntries: 10, ttlMs: 60_000 });
    let calls = 0;
    const load = (fail: boolean) =>
      cache.getOrSet(
        'g',
        async () => {
          calls++;
          if (fail) throw new Error('down');
          return { v: calls };
        },
        { ttlMs: 300, graceMs: 60_000 },
      );
    expect(await load(false)).toEqual({ v: 1 });
    expect(await load(false)).toEqual({ v: 1 }); // fresh: from the backend then the tier
    await sleep(320);
    expect(await load(true)).toEqual({ v: 1 }); // stale, served because the loader failed
    expect(calls).toBe(2);
    expect(cache.stats().staleServed).toBe(1);
    expect(await load(false)).toEqual({ v: 3 }); // not served stale from the tier as if fresh
  });

  test('a change made elsewhere is seen within objectCache.ttlMs', async () => {
    const backend = new MemoryBackend();
    const here = createCache({ backend, objectCache: { maxEntries: 10, ttlMs: 1_000 } });
    const elsewhere = createCache({ backend });
    await here.set('k', { v: 1 });
    expect(await here.get('k')).toEqual({ v: 1 });
    await elsewhere.set('k', { v: 2 });
    expect(await here.get('k')).toEqual({ v: 1 }); // the documented bound: up to ttlMs
    await sleep(1_020);
    expect(await here.get('k')).toEqual({ v: 2 });
  });

  test.each([
    ['set', async (cache: ReturnType<typeof createCache>) => cache.set('k', { v: 2 })],
    [
      'setMany',
      async (cache: ReturnType<typeof createCache>) =>
        cache.setMany([{ key: 'k', value: { v: 2 } }]),
    ],
    [
      'getOrSet load',
      async (cache: ReturnType<typeof createCache>) => {
        await cache.delete('k');
        await cache.getOrSet('k', async () => ({ v: 2 }));
      },
    ],
  ])('a write through the cache (%s) is seen at once', async (_name, write) => {
    const { cache } = cacheWith({ maxEntries: 10, ttlMs: 60_000 });
    await cache.set('k', { v: 1 });
    expect(await cache.get('k')).toEqual({ v: 1 });
    expect(await cache.get('k')).toEqual({ v: 1 });
    await write(cache);
    expect(await cache.get('k')).toEqual({ v: 2 });
  });

  test('delete and clear through the cache or a namespace drop the held copies at once', async () => {
    const { cache } = cacheWith({ maxEntries: 10, ttlMs: 60_000 });
    const users = cache.namespace('users');
    await cache.set('a', { v: 1 });
    await users.set('b', { v: 2 });
    await cache.get('a');
    await users.get('b');
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
    await users.clear();
    expect(await users.get('b')).toBeUndefined();
    await cache.set('c', { v: 3 });
    await cache.get('c');
    await cache.clear();
    expect(await cache.get('c')).toBeUndefined();
  });

  test('a read in flight while a write completes does not keep what it read', async () => {
    const memory = new MemoryBackend();
    const gate = { next: undefined as ReturnType<typeof deferred<void>> | undefined };
    const slow: BaseBackend = Object.assign(baseOnly(memory), {
      async get(key: string) {
        const bytes = await memory.get(key);
        if (gate.next !== undefined) await gate.next.promise;
        return bytes;
      },
    });
    const cache = createCache({ backend: slow, objectCache: { maxEntries: 10, ttlMs: 60_000 } });
    await cache.set('k', { v: 1 });
    gate.next = deferred<void>();
    const reading = cache.get('k'); // has read { v: 1 }, waits at the gate
    await cache.set('k', { v: 2 });
    const release = gate.next;
    gate.next = undefined;
    release.resolve();
    expect(await reading).toEqual({ v: 1 }); // concurrent with the write: either is fine
    expect(await cache.get('k')).toEqual({ v: 2 }); // but the old value was not kept
  });

  test('a held tagged entry is rejected as soon as its tag is invalidated, by any cache on the backend', async () => {
    const backend = new MemoryBackend();
    const { cache, log } = cacheWith({ maxEntries: 10, ttlMs: 60_000 }, backend);
    const other = createCache({ backend });
    await cache.set('t', { v: 1 }, { tags: ['team:7'] });
    expect(await cache.get('t')).toEqual({ v: 1 });
    expect(await cache.get('t')).toEqual({ v: 1 });
    expect(cache.stats().objectTierHits).toBe(1);
    log.reset();
    await other.invalidateTags(['team:7']); // not through `cache`: only the tag check can see it
    expect(await cache.get('t')).toBeUndefined();
    expect(await cache.getOrSet('t', async () => ({ v: 2 }), { tags: ['team:7'] })).toEqual({
      v: 2,
    });
    expect(await cache.get('t')).toEqual({ v: 2 });
  });

  test('expireTags: a held entry stops being fresh; getOrSet serves it stale only within grace', async () => {
    const { cache } = cacheWith({ maxEntries: 10, ttlMs: 60_000 });
    await cache.getOrSet('e', async () => ({ v: 1 }), {
      tags: ['t'],
      ttlMs: 60_000,
      graceMs: 60_000,
    });
    expect(await cache.get('e')).toEqual({ v: 1 });
    await cache.expireTags(['t']);
    expect(await cache.get('e')).toBeUndefined();
    const served = await cache.getOrSet(
      'e',
      async () => {
        throw new Error('down');
      },
      { tags: ['t'], graceMs: 60_000 },
    );
    expect(served).toEqual({ v: 1 });
    expect(cache.stats().staleServed).toBe(1);
  });

  test('a tag invalidated elsewhere, then the key rewritten elsewhere: the new value, not a miss', async () => {
    const backend = new MemoryBackend();
    const { cache } = cacheWith({ maxEntries: 10, ttlMs: 60_000 }, backend);
    const other = createCache({ backend });
    await cache.set('t', { v: 1 }, { tags: ['x'] });
    await cache.get('t');
    await other.invalidateTags(['x']);
    await other.set('t', { v: 2 }, { tags: ['x'] });
    expect(await cache.get('t')).toEqual({ v: 2 });
  });
});

describe('object tier: bounds, batches, stats and events', () => {
  test('maxEntries: the least recently hit entries leave first', async () => {
    const { cache, log } = cacheWith({ maxEntries: 2, ttlMs: 60_000 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, { key });
    await cache.get('a');
    await cache.get('b');
    await cache.get('a'); // a is hit again: b goes when c comes
    await cache.get('c');
    log.reset();
    await cache.get('a');
    await cache.get('c');
    expect(log.calls.get).toBeUndefined();
    await cache.get('b');
    expect(log.calls.get).toBe(1);
  });

  test('maxBytes: a value larger than the bound is not held', async () => {
    const { cache, log } = cacheWith({ maxEntries: 10, maxBytes: 64, ttlMs: 60_000 });
    await cache.set('big', { text: 'x'.repeat(100) });
    await cache.set('small', { n: 1 });
    for (let i = 0; i < 2; i++) {
      await cache.get('big');
      await cache.get('small');
    }
    expect(log.calls.get).toBe(3);
  });

  test('getMany answers held keys from the tier and reads the rest in one batch', async () => {
    const { cache, log } = cacheWith({ maxEntries: 10, ttlMs: 60_000 }, new ReferenceBackend());
    await cache.setMany([
      { key: 'a', value: { n: 1 } },
      { key: 'b', value: { n: 2 } },
    ]);
    await cache.get('a');
    log.reset();
    expect(await cache.getMany(['a', 'b', 'missing'])).toEqual([{ n: 1 }, { n: 2 }, undefined]);
    expect(log.calls).toEqual({ getMany: 1 });
    expect(cache.stats()).toMatchObject({ objectTierHits: 1 });
  });

  test('hit events say which tier answered; stats count object-tier hits as hits', async () => {
    const { cache } = cacheWith({ maxEntries: 10, ttlMs: 60_000 });
    const tiers: boolean[] = [];
    cache.on('hit', (event) => tiers.push(event.objectTier));
    await cache.set('k', { v: 1 });
    await cache.get('k');
    await cache.get('k');
    await cache.getOrSet('k', async () => ({ v: 0 }));
    await cache.get('missing');
    expect(tiers).toEqual([false, true, true]);
    expect(cache.stats()).toMatchObject({ hits: 3, objectTierHits: 2, misses: 1 });
  });

  test('bad objectCache options throw a TypeError naming the option', () => {
    const backend = new MemoryBackend();
    const make = (objectCache: unknown) => () =>
      createCache({ backend, objectCache: objectCache as CacheOptions['objectCache'] });
    expect(make({})).toThrow(/objectCache\.maxEntries is required/);
    expect(make({ maxEntries: 0 })).toThrow(/objectCache\.maxEntries must be an integer >= 1/);
    expect(make({ maxEntries: 1.5 })).toThrow(TypeError);
    expect(make({ maxEntries: 1, maxBytes: -1 })).toThrow(/objectCache\.maxBytes/);
    expect(make({ maxEntries: 1, ttlMs: 0 })).toThrow(/objectCache\.ttlMs/);
    expect(make({ maxEntries: 1, ttlMs: Number.POSITIVE_INFINITY })).toThrow(/objectCache\.ttlMs/);
    expect(make({ maxEntries: 1, mode: 'deep' })).toThrow(/objectCache\.mode/);
    expect(make({ maxEntries: 1, maxEntry: 2 })).toThrow(/objectCache: unknown option "maxEntry"/);
    expect(make(5)).toThrow(/objectCache must be an object/);
  });
});
