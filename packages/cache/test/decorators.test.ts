import { BackendError } from '@cachestack/core';
import { ReferenceBackend } from '@cachestack/test-support';
import { describe, expect, test, vi } from 'vitest';
import {
  type Cache,
  cacheable,
  cacheEvict,
  cachePut,
  compileKey,
  createCache,
  parameterNames,
} from '../src/index.js';

function newCache(namespace?: string): Cache {
  return createCache({ backend: new ReferenceBackend(), namespace });
}

describe('strict options', () => {
  test('a misspelt option of cacheable, cachePut or cacheEvict is a TypeError suggesting the known one', () => {
    const cache = newCache();
    const fn = async (id: string) => id;
    expect(() => cacheable({ cache, key: 'u:{id}', ttlMS: 5 } as never, fn)).toThrow(
      new TypeError('cacheable: unknown option "ttlMS" (did you mean "ttlMs"?)'),
    );
    expect(() => cachePut({ cache, key: 'u:{id}', tag: ['a'] } as never, fn)).toThrow(
      new TypeError('cachePut: unknown option "tag" (did you mean "tags"?)'),
    );
    expect(() => cacheEvict({ cache, key: 'u:{id}', beforeInvokation: true } as never, fn)).toThrow(
      new TypeError(
        'cacheEvict: unknown option "beforeInvokation" (did you mean "beforeInvocation"?)',
      ),
    );
  });
});

describe('parameterNames', () => {
  // Sources are given as strings so the test does not depend on how the test file is compiled.
  const fromSource = (source: string) =>
    new Function(`return (${source});`)() as (...args: never[]) => unknown;
  test.each<[string, (string | undefined)[]]>([
    ['function (a, b) {}', ['a', 'b']],
    ['async function getUser(id, options = {}) {}', ['id', 'options']],
    ['async (id) => id', ['id']],
    ['async id => id', ['id']],
    ['id => id', ['id']],
    ['() => 1', []],
    ['function (a = "x,y)", b = f(1, 2), c = [1, 2], d = { e: 1, f: 2 }) {}', ['a', 'b', 'c', 'd']],
    ['function ({ id, name }, [first], ...rest) {}', [undefined, undefined, 'rest']],
    ['function (a /* , fake */, // comment, x\n b) {}', ['a', 'b']],
    [`function (a = \`t$\{"(" + 1}\`, b) {}`, ['a', 'b']],
    ['function (a = (x) => x, b = x => y) {}', ['a', 'b']],
    ['function (a = 1 >= 2, b) {}', ['a', 'b']],
    ['function (a, b,) {}', ['a', 'b']],
    ['({ async find(id, opts) {} }).find', ['id', 'opts']],
    ['({ async ["find" + "(x)"](id) {} })["find(x)"]', ['id']],
    ['(class { async load(user = { id: 1 }) {} }).prototype.load', ['user']],
    ['function ($x, _y, ÿ) {}', ['$x', '_y', undefined]],
  ])('%s', (source, expected) => {
    expect(parameterNames(fromSource(source))).toEqual(expected);
  });
});

describe('key templates', () => {
  async function getOrder(user: { id: number; tags?: string[] }, orderId: string, page = 1) {
    return [user, orderId, page];
  }

  test('named, indexed and nested placeholders, escaped braces', () => {
    const key = compileKey('order:{orderId}:{user.id}:{2}:{{raw}}', getOrder, 'getOrder');
    expect(key([{ id: 7 }, 'A1', 3])).toBe('order:A1:7:3:{raw}');
  });

  test('values are formatted by type', () => {
    const key = compileKey('{0}|{1}|{2}|{3}|{4}|{5}', (() => undefined) as never, 'f');
    expect(key([10n, true, null, new Date(0), { a: [1] }, 'plain'])).toBe(
      '10|true|null|1970-01-01T00:00:00.000Z|{"a":[1]}|plain',
    );
  });

  test('an unknown parameter name fails when wrapping, naming the parameters', () => {
    expect(() => compileKey('order:{orderID}', getOrder, 'getOrder')).toThrow(
      /getOrder has parameters \(user, orderId, page\)/,
    );
    expect(() => compileKey('order:{orderId', getOrder, 'getOrder')).toThrow(/unclosed/);
    expect(() => compileKey('', getOrder, 'getOrder')).toThrow(TypeError);
  });

  test('an optional placeholder {name?} is empty when undefined (defaults are not applied)', () => {
    const key = compileKey('orders:{orderId}:{page?}', getOrder, 'getOrder');
    expect(key([{ id: 1 }, 'x'])).toBe('orders:x:');
    expect(key([{ id: 1 }, 'x', 2])).toBe('orders:x:2');
  });

  test('a placeholder that resolves to undefined rejects with INVALID_KEY', () => {
    const key = compileKey('user:{user.profile.name}', getOrder, 'getOrder');
    expect(() => key([{ id: 1 }, 'x'])).toThrow(BackendError);
    expect(() => key([{ id: 1 }, 'x'])).toThrow(/user\.profile\.name/);
  });

  test('a key function is the escape hatch', () => {
    const key = compileKey(
      (...args: never[]) => `sum:${(args as number[]).reduce((a, b) => a + b, 0)}`,
      getOrder,
      'f',
    );
    expect(key([1, 2, 3])).toBe('sum:6');
  });
});

describe('higher-order wrappers', () => {
  test('cacheable caches per resolved key and passes getOrSet options', async () => {
    const cache = newCache();
    const calls = vi.fn();
    const getUser = cacheable(
      { cache, key: 'user:{id}', ttlMs: 60_000 },
      async function getUser(id: number) {
        calls(id);
        return { id, name: `user ${id}` };
      },
    );
    expect(await getUser(1)).toEqual({ id: 1, name: 'user 1' });
    expect(await getUser(1)).toEqual({ id: 1, name: 'user 1' });
    expect(await getUser(2)).toEqual({ id: 2, name: 'user 2' });
    expect(calls.mock.calls).toEqual([[1], [2]]);
    expect(await cache.get('user:1')).toEqual({ id: 1, name: 'user 1' });
  });

  test('concurrent calls to a wrapped function share one call', async () => {
    const cache = newCache();
    const calls = vi.fn();
    const slow = cacheable({ cache, key: 'slow:{0}' }, async (n: number) => {
      calls();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return n * 2;
    });
    expect(await Promise.all([slow(2), slow(2), slow(2)])).toEqual([4, 4, 4]);
    expect(calls).toHaveBeenCalledTimes(1);
  });

  test('cachePut always calls and overwrites; cacheEvict deletes after success', async () => {
    const cache = newCache();
    const db = new Map<number, string>([[1, 'old']]);
    const read = cacheable({ cache, key: 'name:{id}' }, async (id: number) => db.get(id));
    const write = cachePut({ cache, key: 'name:{id}' }, async (id: number, name: string) => {
      db.set(id, name);
      return name;
    });
    const remove = cacheEvict({ cache, key: 'name:{id}' }, async (id: number) => db.delete(id));
    expect(await read(1)).toBe('old');
    expect(await write(1, 'new')).toBe('new');
    db.set(1, 'changed behind the cache');
    expect(await read(1)).toBe('new');
    expect(await remove(1)).toBe(true);
    expect(await cache.get('name:1')).toBeUndefined();
  });

  test('cacheEvict does not evict when the function fails, unless beforeInvocation', async () => {
    const cache = newCache();
    await cache.set('k', 1);
    const failing = cacheEvict({ cache, key: 'k' }, async () => {
      throw new Error('nope');
    });
    await expect(failing()).rejects.toThrow('nope');
    expect(await cache.get('k')).toBe(1);
    const before = cacheEvict({ cache, key: 'k', beforeInvocation: true }, async () => {
      throw new Error('nope');
    });
    await expect(before()).rejects.toThrow('nope');
    expect(await cache.get('k')).toBeUndefined();
  });

  test('sync functions are rejected with a clear TypeError; generators at wrap time', async () => {
    const cache = newCache();
    const sync = cacheable({ cache, key: 'x' }, (() => 5) as unknown as () => Promise<number>);
    await expect(sync()).rejects.toThrow(/not a Promise; only async functions can be cached/);
    expect(await cache.get('x')).toBeUndefined();
    expect(() =>
      cacheable({ cache, key: 'x' }, function* gen() {} as unknown as () => Promise<number>),
    ).toThrow(/generator/);
  });

  test('bad options fail fast', () => {
    expect(() => cacheable({ cache: {} as Cache, key: 'x' }, async () => 1)).toThrow(
      /cache must be/,
    );
    expect(() => cacheEvict({ cache: newCache() }, async () => 1)).toThrow(/allEntries/);
  });
});

describe('standard decorators (TS 5, experimentalDecorators: false)', () => {
  const shared = newCache('users');
  const other = shared.namespace('other');

  class UserService {
    readonly loads = vi.fn();
    readonly db = new Map<string, { id: string; name: string }>();

    @cacheable({ cache: shared, key: 'user:{id}', ttlMs: 60_000 })
    async find(id: string) {
      this.loads(id);
      return this.db.get(id) ?? null;
    }

    @cacheable({ cache: shared, key: 'by-owner:{owner.id}:{page?}' })
    async list(owner: { id: string }, page = 1) {
      this.loads(owner.id, page);
      return [...this.db.values()].slice((page - 1) * 10, page * 10).map((u) => u.id);
    }

    @cachePut({ cache: shared, key: 'user:{user.id}' })
    async save(user: { id: string; name: string }) {
      this.db.set(user.id, user);
      return user;
    }

    @cacheEvict({ cache: shared, key: ['user:{0}', 'by-owner:{0}:'] })
    async remove(id: string) {
      return this.db.delete(id);
    }

    @cacheEvict({ cache: shared, allEntries: true })
    async reset() {
      this.db.clear();
    }
  }

  test('cacheable on a method keeps `this` and caches by template', async () => {
    const service = new UserService();
    service.db.set('a', { id: 'a', name: 'Ada' });
    expect(await service.find('a')).toEqual({ id: 'a', name: 'Ada' });
    expect(await service.find('a')).toEqual({ id: 'a', name: 'Ada' });
    expect(service.loads).toHaveBeenCalledTimes(1);
    expect(await shared.get('user:a')).toEqual({ id: 'a', name: 'Ada' });
    expect(await service.list({ id: 'a' })).toEqual(['a']);
    expect(await shared.get('by-owner:a:')).toEqual(['a']);
    expect(await service.list({ id: 'a' }, 2)).toEqual([]);
    expect(await shared.get('by-owner:a:2')).toEqual([]);
  });

  test('cachePut and cacheEvict (keys and all entries of the namespace only)', async () => {
    const service = new UserService();
    await service.save({ id: 'b', name: 'Bob' });
    expect(await service.find('b')).toEqual({ id: 'b', name: 'Bob' });
    expect(service.loads).not.toHaveBeenCalled();
    expect(await service.remove('b')).toBe(true);
    expect(await shared.get('user:b')).toBeUndefined();
    await service.save({ id: 'c', name: 'Cy' });
    const outside = createCache({ backend: shared.backend });
    await outside.set('outside', 1);
    await other.set('nested', 1);
    await service.reset();
    expect(await shared.get('user:c')).toBeUndefined();
    expect(await other.get('nested')).toBeUndefined();
    expect(await outside.get('outside')).toBe(1);
  });

  test('a cache resolver picks the cache from the instance', async () => {
    class Tenant {
      constructor(readonly cache: Cache) {}
      calls = 0;
      @cacheable({ cache: (self: Tenant) => self.cache, key: 'n' })
      async n() {
        this.calls++;
        return this.calls;
      }
    }
    const a = new Tenant(newCache());
    const b = new Tenant(newCache());
    expect([await a.n(), await a.n(), await b.n()]).toEqual([1, 1, 1]);
    expect(a.calls + b.calls).toBe(2);
  });

  test('a bad template on a decorated method fails at class definition', () => {
    expect(() => {
      class Broken {
        @cacheable({ cache: shared, key: 'user:{userId}' })
        async find(id: string) {
          return id;
        }
      }
      return Broken;
    }).toThrow(/find has parameters \(id\)/);
  });
});
