import { BackendError } from '@cachestack/core';
import { BAD_TIMEOUTS_OPTIONS, command, RedisServer } from '@cachestack/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { escapeNamespace, KeyLayout, keySlot, RedisBackend } from '../src/index.js';

let server: RedisServer;
const backends: RedisBackend[] = [];
let counter = 0;

function backend(namespace = `be-${process.pid}-${++counter}`, coalesceGets = true) {
  const created = new RedisBackend({ url: server.url, namespace, coalesceGets });
  backends.push(created);
  return created;
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of iterable) keys.push(key);
  return keys.sort();
}

async function commandCalls(name: string): Promise<number> {
  const info = String(await command(server.port, ['INFO', 'commandstats']));
  return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

beforeAll(async () => {
  server = await RedisServer.start();
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((created) => created.close()));
});
afterAll(async () => {
  await server?.destroy();
});

describe('key layout', () => {
  it('escapes namespaces so prefixes never overlap', () => {
    expect(escapeNamespace('users')).toBe('users');
    expect(escapeNamespace('users:archive')).toBe('users%3Aarchive');
    expect(escapeNamespace('a*{b}%')).toBe('a%2A%7Bb%7D%25');
    const layout = new KeyLayout('users');
    expect(layout.dataKey('42')).toBe('cs:users:d:42');
    expect(layout.lockKey('42')).toBe('cs:users:l:42');
    expect(layout.dataPattern('a*[')).toBe('cs:users:d:a\\*\\[*');
  });

  it('puts a user hash tag in the same slot for data and lock keys', () => {
    const layout = new KeyLayout('users');
    expect(keySlot(layout.dataKey('{user1}:profile'))).toBe(
      keySlot(layout.lockKey('{user1}:profile')),
    );
    expect(keySlot(layout.dataKey('{user1}:profile'))).toBe(keySlot('user1'));
  });
});

describe('namespaces', () => {
  it('keeps users, users2 and users:archive apart for get, keys and clear', async () => {
    const users = backend('users');
    const users2 = backend('users2');
    const archive = backend('users:archive');
    for (const cache of [users, users2, archive]) {
      await cache.clear();
      await cache.set('k', Buffer.from(cache.namespace));
      await cache.set(`only-${cache.namespace}`, Buffer.from('x'));
    }
    expect(Buffer.from((await users.get('k'))!).toString()).toBe('users');
    expect(await collect(users.keys())).toEqual(['k', 'only-users']);
    await users.clear();
    expect(await users.get('k')).toBeUndefined();
    expect(await collect(users.keys())).toEqual([]);
    expect(Buffer.from((await users2.get('k'))!).toString()).toBe('users2');
    expect(await collect(archive.keys())).toEqual(['k', 'only-users:archive']);
  });

  it('treats glob characters in namespaces and prefixes literally', async () => {
    const star = backend(`g*-${counter}`);
    const plain = backend(`gx-${counter}`);
    await plain.set('a', Buffer.from('1'));
    await star.set('a*b', Buffer.from('1'));
    await star.set('a?c', Buffer.from('1'));
    await star.set('aXb', Buffer.from('1'));
    expect(await collect(star.keys('a*'))).toEqual(['a*b']);
    expect(await collect(star.keys('a'))).toEqual(['a*b', 'a?c', 'aXb']);
    await star.clear();
    expect(await plain.exists('a')).toBe(true);
  });

  it('lists and clears many keys in SCAN/UNLINK batches', async () => {
    const cache = new RedisBackend({
      url: server.url,
      namespace: `many-${counter++}`,
      scanCount: 50,
    });
    backends.push(cache);
    await cache.setMany(
      Array.from({ length: 520 }, (_, i) => ({ key: `k${i}`, value: Buffer.from([i % 256]) })),
    );
    expect((await collect(cache.keys())).length).toBe(520);
    await cache.clear();
    expect((await collect(cache.keys())).length).toBe(0);
  });

  it('keeps lock keys apart from data keys', async () => {
    const cache = backend();
    const lock = await cache.acquireLock('job', { ttlMs: 5_000 });
    expect(lock).toBeDefined();
    expect(await cache.exists('job')).toBe(false);
    expect(await collect(cache.keys())).toEqual([]);
    await cache.set('job', Buffer.from('data'));
    await cache.clear();
    expect(await cache.acquireLock('job', { ttlMs: 5_000 })).toBeUndefined();
    expect(await lock!.release()).toBe(true);
  });
});

describe('get coalescing', () => {
  it('sends concurrent gets of one tick as one MGET, each caller with its own copy', async () => {
    const cache = backend();
    await cache.setMany(
      Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`v${i}`) })),
    );
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    const keys = [...Array.from({ length: 100 }, (_, i) => `k${i}`), 'k1', 'k1', 'missing'];
    const values = await Promise.all(keys.map((key) => cache.get(key)));
    expect(await commandCalls('mget')).toBe(1);
    expect(await commandCalls('get')).toBe(0);
    keys.forEach((key, i) => {
      if (key === 'missing') expect(values[i]).toBeUndefined();
      else expect(Buffer.from(values[i]!).toString()).toBe(key.replace('k', 'v'));
    });
    values[1]![0] = 0x5a;
    expect(Buffer.from(values[100]!).toString()).toBe('v1');
  });

  it('fans an error out to every caller of the batch, classified for each key', async () => {
    const namespace = `acl-${counter++}`;
    await command(server.port, ['ACL', 'SETUSER', 'no-mget', 'on', '>pw', '~*', '+@all', '-mget']);
    const cache = new RedisBackend({
      url: `redis://no-mget:pw@127.0.0.1:${server.port}`,
      namespace,
    });
    backends.push(cache);
    await cache.set('a', Buffer.from('A'));
    expect(Buffer.from((await cache.get('a'))!).toString()).toBe('A');
    const results = await Promise.allSettled([cache.get('a'), cache.get('b'), cache.get('c')]);
    results.forEach((result, i) => {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as BackendError;
      expect(reason).toBeInstanceOf(BackendError);
      expect(reason.type).toBe('AUTHENTICATION');
      expect(reason.key).toBe(['a', 'b', 'c'][i]);
    });
  });
});

describe('batch and TTL details', () => {
  it('getMany returns duplicates as separate copies and setMany applies each TTL', async () => {
    const cache = backend();
    await cache.setMany([
      { key: 'a', value: Buffer.from('A'), ttlMs: 60_000 },
      { key: 'b', value: new Uint8Array([1, 2, 3]) },
    ]);
    const [a1, a2, missing, b] = await cache.getMany(['a', 'a', 'zz', 'b']);
    expect(Buffer.from(a1!).toString()).toBe('A');
    a1![0] = 0;
    expect(Buffer.from(a2!).toString()).toBe('A');
    expect(missing).toBeUndefined();
    expect([...b!]).toEqual([1, 2, 3]);
    const ttl = await cache.getTtl('a');
    expect(ttl).toBeGreaterThan(50_000);
    expect(await cache.getTtl('b')).toBe(Number.POSITIVE_INFINITY);
    expect(await cache.deleteMany(['a', 'a', 'b', 'zz'])).toBe(2);
  });

  it('stores TTLs beyond 2^31-1 ms on the server clock', async () => {
    const cache = backend();
    await cache.set('long', Buffer.from('x'), 2 ** 31 + 10_000);
    const pttl = Number(await command(server.port, ['PTTL', `cs:${cache.namespace}:d:long`]));
    expect(pttl).toBeGreaterThan(2 ** 31);
  });
});

describe('options', () => {
  it('rejects bad options with an error naming the option', () => {
    expect(() => new RedisBackend({})).toThrow(/exactly one of/);
    expect(() => new RedisBackend({ url: 'http://x' })).toThrow(/`url`/);
    expect(() => new RedisBackend({ url: server.url, namespace: '' })).toThrow(/`namespace`/);
    expect(() => new RedisBackend({ url: server.url, commandTimeoutMs: 0 })).toThrow(
      /`commandTimeoutMs`/,
    );
    expect(() => new RedisBackend({ redis: { keyPrefix: 'x:' } })).toThrow(/keyPrefix/);
    expect(() => new RedisBackend({ url: server.url, scanCount: 1.5 })).toThrow(/`scanCount`/);
  });

  it('rejects a misspelt option with the closest known name', () => {
    const create = () => new RedisBackend({ url: server.url, namepsace: 'app' } as never);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(/unknown option "namepsace".*did you mean "namespace"/);
  });

  it.each(BAD_TIMEOUTS_OPTIONS)(
    'rejects the bad timeouts option %j with the shared message',
    (timeouts, message) => {
      const create = () => new RedisBackend({ url: server.url, timeouts: timeouts as never });
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`RedisBackend: ${message}`);
    },
  );

  it('does not connect before the first operation', async () => {
    const cache = backend();
    expect(cache.client.status).toBe('wait');
    await cache.exists('k');
    expect(cache.client.status).toBe('ready');
  });
});
