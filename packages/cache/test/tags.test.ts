import { BackendErrorType } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { baseOnly, deferred, ReferenceBackend, rejection } from '@cachestack/test-support';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  cacheable,
  cacheEvict,
  cachePut,
  createCache,
  INVALID_TAG,
  MAX_TAG_BYTES,
  MAX_TAGS_PER_CALL,
  MAX_TAGS_PER_ENTRY,
} from '../src/index.js';
import { counting } from './support/counting-backend.js';

afterEach(() => {
  vi.useRealTimers();
});

const backends = [
  ['reference (batch)', () => new ReferenceBackend()],
  ['base-only (no batch)', () => baseOnly(new ReferenceBackend())],
  ['memory', () => new MemoryBackend()],
] as const;

describe.each(backends)('tags over %s', (_name, make) => {
  test('invalidateTags removes every entry carrying any of the tags, and only those', async () => {
    const cache = createCache({ backend: make(), namespace: 'app' });
    await cache.set('a', 1, { tags: ['user:1', 'team:7'] });
    await cache.set('b', 2, { tags: ['user:2', 'team:7'] });
    await cache.set('c', 3, { tags: ['user:2'] });
    await cache.set('plain', 4);
    await cache.invalidateTags(['user:1']);
    expect(await cache.getMany(['a', 'b', 'c', 'plain'])).toEqual([undefined, 2, 3, 4]);
    await cache.invalidateTags(['team:7', 'nobody']);
    expect([await cache.get('b'), await cache.get('c'), await cache.has('b')]).toEqual([
      undefined,
      3,
      false,
    ]);
    // A new write after the invalidation is fresh.
    await cache.set('a', 'again', { tags: ['user:1'] });
    expect(await cache.get('a')).toBe('again');
  });

  test('expireTags makes entries stale: get misses, getOrSet serves them within grace', async () => {
    const cache = createCache({ backend: make() });
    await cache.getOrSet('graced', async () => 'old', {
      ttlMs: 60_000,
      graceMs: 60_000,
      tags: ['t'],
    });
    await cache.set('no-grace', 'old', { ttlMs: 60_000, tags: ['t'] });
    await cache.expireTags(['t']);
    expect(await cache.get('graced')).toBeUndefined();
    expect(await cache.get('no-grace')).toBeUndefined();
    const failing = async (): Promise<string> => {
      throw new Error('origin down');
    };
    // Within grace, a failing loader gets the stale value ...
    expect(await cache.getOrSet('graced', failing, { ttlMs: 60_000, graceMs: 60_000 })).toBe('old');
    // ... an entry written without grace is simply gone.
    await expect(cache.getOrSet('no-grace', failing)).rejects.toThrow('origin down');
    // A successful load replaces the stale value with a fresh one.
    expect(await cache.getOrSet('graced', async () => 'new', { ttlMs: 60_000, tags: ['t'] })).toBe(
      'new',
    );
    expect(await cache.get('graced')).toBe('new');
  });
});

describe('one write per tag, whatever the number of entries', () => {
  test.each([
    ['batch', () => new ReferenceBackend()],
    ['base-only', () => baseOnly(new ReferenceBackend())],
  ])('%s: invalidating a tag of 2,000 entries writes exactly one key', async (_name, make) => {
    const { backend, log } = counting(make());
    const cache = createCache({ backend });
    for (let i = 0; i < 2_000; i++) await cache.set(`k${i}`, i, { tags: ['many'] });
    log.reset();
    await cache.invalidateTags(['many']);
    expect(log.writtenKeys).toHaveLength(1);
    expect(log.calls.delete ?? 0).toBe(0);
    log.reset();
    await cache.expireTags(['many', 'other']);
    expect(log.writtenKeys).toHaveLength(2);
    expect(await cache.get('k1999')).toBeUndefined();
  });

  test('a read of a tagged entry costs one batched version read; getMany batches all tags', async () => {
    const { backend, log } = counting(new ReferenceBackend());
    const cache = createCache({ backend });
    await cache.set('a', 1, { tags: ['x', 'y'] });
    await cache.set('b', 2, { tags: ['y', 'z'] });
    log.reset();
    expect(await cache.get('a')).toBe(1);
    expect(log.calls).toEqual({ get: 1, getMany: 1 });
    log.reset();
    expect(await cache.getMany(['a', 'b'])).toEqual([1, 2]);
    expect(log.calls).toEqual({ getMany: 2 });
  });
});

describe('tag validation', () => {
  const long = 'é'.repeat(MAX_TAG_BYTES / 2 + 1);
  const tooMany = Array.from({ length: MAX_TAGS_PER_ENTRY + 1 }, (_, i) => `t${i}`);
  test.each([
    ['empty', ['']],
    ['lone surrogate', ['\ud800']],
    ['too long', [long]],
    ['not a string', [42]],
    ['not an array', 'user:1'],
    ['too many', tooMany],
  ])('%s: PERMANENT INVALID_TAG and nothing is written', async (_name, tags) => {
    const { backend, log } = counting(new ReferenceBackend());
    const cache = createCache({ backend });
    await cache.set('k', 'before');
    log.reset();
    const loader = vi.fn(async () => 'loaded');
    const tooManyForCalls = Array.from({ length: MAX_TAGS_PER_CALL + 1 }, (_, i) => `t${i}`);
    const forCalls = tags === tooMany ? tooManyForCalls : tags;
    for (const attempt of [
      cache.set('k', 'after', { tags: tags as never }),
      cache.setMany([{ key: 'k', value: 'after', tags: tags as never }]),
      cache.getOrSet('other', loader, { tags: tags as never }),
      cache.invalidateTags(forCalls as never),
      cache.expireTags(forCalls as never),
    ]) {
      const error = await rejection(attempt);
      expect(error.code).toBe(INVALID_TAG);
      expect(error.type).toBe(BackendErrorType.PERMANENT);
    }
    expect(loader).not.toHaveBeenCalled();
    expect(log.writtenKeys).toEqual([]);
    expect(await cache.get('k')).toBe('before');
  });

  test('duplicates count once; a tag of exactly the byte limit is fine', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const exact = 'é'.repeat(MAX_TAG_BYTES / 2);
    await cache.set('k', 1, { tags: [exact, exact, ...Array(200).fill('dup')] });
    await cache.invalidateTags([exact]);
    expect(await cache.get('k')).toBeUndefined();
  });

  test('cache keys and namespaces cannot reach the reserved tag key space', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    expect((await rejection(cache.set('\u0000tag\u0000i\u0000t', 1))).code).toBe('INVALID_KEY');
    expect((await rejection(cache.get('a\u0000b'))).code).toBe('INVALID_KEY');
    expect(() => cache.namespace('\u0000tag')).toThrow(TypeError);
    expect(() => createCache({ backend, namespace: 'a\u0000' })).toThrow(/namespace/);
  });
});

describe('scope', () => {
  test('tags are shared by a root cache and its sub-namespaces, not by other root namespaces', async () => {
    const backend = new ReferenceBackend();
    const app = createCache({ backend, namespace: 'app' });
    const users = app.namespace('users');
    const other = createCache({ backend, namespace: 'other' });
    await users.set('1', 'ada', { tags: ['t'] });
    await other.set('1', 'bob', { tags: ['t'] });
    await app.invalidateTags(['t']);
    expect(await users.get('1')).toBeUndefined();
    expect(await other.get('1')).toBe('bob');
  });

  test('a lost (evicted or deleted) tag version invalidates, never revives', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    await cache.set('k', 1, { tags: ['t'] });
    for await (const key of backend.keys()) if (key.includes('\u0000')) await backend.delete(key);
    expect(await cache.get('k')).toBeUndefined();
  });
});

describe('getOrSet with tags', () => {
  test('an invalidation during the load leaves the loaded value stale on arrival', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const gate = deferred<string>();
    const started = deferred<void>();
    const loading = cache.getOrSet(
      'k',
      () => {
        started.resolve();
        return gate.promise;
      },
      { tags: ['t'] },
    );
    await started.promise;
    await cache.invalidateTags(['t']);
    gate.resolve('old');
    expect(await loading).toBe('old'); // the caller gets what it loaded ...
    expect(await cache.get('k')).toBeUndefined(); // ... but it is not cached as fresh
    expect(await cache.getOrSet('k', async () => 'new', { tags: ['t'] })).toBe('new');
    expect(await cache.get('k')).toBe('new');
  });

  test('the loader chooses tags and TTL from what it loaded (adaptive caching)', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend, defaultTtlMs: 60_000 });
    const value = await cache.getOrSet(
      'post:1',
      async (ctx) => {
        const post = { id: 1, author: 'u7', draft: true };
        ctx.addTags([`user:${post.author}`]);
        ctx.setTtl(post.draft ? 5_000 : 3_600_000);
        expect(ctx.tags).toEqual(['user:u7']);
        expect(ctx.key).toBe('post:1');
        return post;
      },
      { tags: ['posts'] },
    );
    expect(value.author).toBe('u7');
    const ttl = (await backend.getTtl('post:1')) as number;
    expect(ttl).toBeGreaterThan(4_000);
    expect(ttl).toBeLessThanOrEqual(5_000);
    await cache.invalidateTags(['user:u7']);
    expect(await cache.get('post:1')).toBeUndefined();
    await cache.getOrSet('post:1', async () => 'p', { tags: ['posts'] });
    await cache.invalidateTags(['posts']);
    expect(await cache.get('post:1')).toBeUndefined();
  });

  test('a loader tag added before an invalidation is protected from the race too', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const gate = deferred<void>();
    const loading = cache.getOrSet('k', async (ctx) => {
      ctx.addTags(['late']);
      await gate.promise;
      return 'old';
    });
    await vi.waitFor(async () =>
      expect(await cache.backend.exists('\u0000tag\u0000i\u0000late')).toBe(true),
    );
    await cache.invalidateTags(['late']);
    gate.resolve();
    await loading;
    expect(await cache.get('k')).toBeUndefined();
  });

  test('bad tags or TTL from the loader fail the load; nothing is stored', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const badTag = await rejection(cache.getOrSet('k', (ctx) => ctx.addTags([''])));
    expect(badTag.code).toBe(INVALID_TAG);
    const badTtl = await rejection(cache.getOrSet('k', (ctx) => ctx.setTtl(0)));
    expect(badTtl.code).toBe('INVALID_TTL');
    const tooMany = await rejection(
      cache.getOrSet(
        'k',
        (ctx) => {
          ctx.addTags(Array.from({ length: 40 }, (_, i) => `a${i}`));
          return 'v';
        },
        { tags: Array.from({ length: 40 }, (_, i) => `b${i}`) },
      ),
    );
    expect(tooMany.code).toBe(INVALID_TAG);
    expect(await cache.backend.exists('k')).toBe(false);
  });

  test('failOpen: tag versions that cannot be read make a miss, not an error', async () => {
    const inner = new ReferenceBackend();
    const cache = createCache({ backend: inner });
    await cache.set('k', 1, { tags: ['t'] });
    const broken = new Proxy(inner, {
      get(target, property) {
        const member = Reflect.get(target, property, target) as unknown;
        if (property === 'getMany') {
          return () => Promise.reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
        }
        return typeof member === 'function' ? member.bind(target) : member;
      },
    });
    const errors: string[] = [];
    const open = createCache({
      backend: broken,
      failOpen: true,
      onError: (e) => errors.push(e.error.message),
    });
    expect(await open.get('k')).toBeUndefined();
    expect(errors).toHaveLength(1);
    const closed = createCache({ backend: broken });
    expect((await rejection(closed.get('k'))).type).toBe(BackendErrorType.TRANSIENT);
  });
});

describe('declarative caching with tags', () => {
  test('cacheable and cachePut tag what they store; cacheEvict invalidates tags of a call', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    let loads = 0;
    const find = cacheable({ cache, key: 'user:{0}', tags: ['users'] }, async (id: string) => {
      loads++;
      return { id, loads };
    });
    const save = cachePut({ cache, key: 'user:{0}', tags: ['users'] }, async (id: string) => ({
      id,
      saved: true,
    }));
    const evictUser = cacheEvict(
      { cache, tags: (id: string) => [`user:${id}`, 'users'] },
      async (_id: string) => undefined,
    );
    expect(await find('1')).toEqual({ id: '1', loads: 1 });
    expect(await find('1')).toEqual({ id: '1', loads: 1 });
    await save('2');
    expect(await cache.get('user:2')).toEqual({ id: '2', saved: true });
    await evictUser('1');
    expect(await cache.get('user:2')).toBeUndefined();
    expect(await find('1')).toEqual({ id: '1', loads: 2 });
    expect(() => cacheEvict({ cache, tags: 'users' as never }, async () => undefined)).toThrow(
      TypeError,
    );
  });
});

test('an unreadable tag version invalidates, and the next tagged write repairs it', async () => {
  const backend = new ReferenceBackend();
  const cache = createCache({ backend });
  await cache.set('k', 1, { tags: ['t'] });
  await backend.set('\u0000tag\u0000i\u0000t', Uint8Array.of(1, 2, 3));
  expect(await cache.get('k')).toBeUndefined();
  await cache.set('k', 2, { tags: ['t'] });
  expect(await cache.get('k')).toBe(2);
});
