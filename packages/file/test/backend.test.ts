import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BAD_TIMEOUTS_OPTIONS, rejection } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { FileBackend, type FileBackendOptions } from '../src/index.js';
import { listFiles, makeTempDir, namespaceDir } from './helpers.js';

describe('options', () => {
  it.each([
    [{}, 'directory'],
    [{ directory: '' }, 'directory'],
    [{ directory: '/tmp/x', namespace: '' }, 'namespace'],
    [{ directory: '/tmp/x', durability: 'always' }, 'durability'],
    [{ directory: '/tmp/x', maxBytes: 0 }, 'maxBytes'],
    [{ directory: '/tmp/x', maxEntries: 1.5 }, 'maxEntries'],
    [{ directory: '/tmp/x', maxValueBytes: 2 ** 31 }, 'maxValueBytes'],
    [{ directory: '/tmp/x', sweepIntervalMs: -1 }, 'sweepIntervalMs'],
    [{ directory: '/tmp/x', staleTempFileMs: Number.NaN }, 'staleTempFileMs'],
  ])('%j is rejected with a TypeError naming %s', (options, name) => {
    const create = () => new FileBackend(options as FileBackendOptions);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(`FileBackend: option "${name}" must be `);
  });

  it('rejects a misspelt option with a TypeError suggesting the right name', () => {
    expect(() => new FileBackend({ directory: '/tmp/x', maxEntires: 3 } as never)).toThrow(
      new TypeError('FileBackend: unknown option "maxEntires" (did you mean "maxEntries"?)'),
    );
    expect(() => new FileBackend({ directry: '/tmp/x' } as never)).toThrow(
      /unknown option "directry" \(did you mean "directory"\?\)/,
    );
  });

  it('rejects options that are not an object with a TypeError', () => {
    expect(() => new FileBackend(null as never)).toThrow(
      new TypeError('FileBackend: option "options" must be an object with a "directory", got null'),
    );
  });

  it.each(BAD_TIMEOUTS_OPTIONS)(
    'the bad timeouts option %j is rejected with the shared message',
    (timeouts, message) => {
      const create = () => new FileBackend({ directory: '/tmp/x', timeouts: timeouts as never });
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`FileBackend: ${message}`);
    },
  );

  it('does not touch the disk until first use', async () => {
    const dir = join(await makeTempDir(), 'lazy');
    const backend = new FileBackend({ directory: dir });
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await backend.set('k', Buffer.from('v'));
    expect(await readdir(dir)).toHaveLength(1);
    await backend.close();
  });

  it('rejects values above maxValueBytes with VALUE_TOO_LARGE and keeps the old value', async () => {
    const backend = new FileBackend({ directory: await makeTempDir(), maxValueBytes: 10 });
    await backend.set('k', Buffer.alloc(10));
    const error = await rejection(backend.set('k', Buffer.alloc(11)));
    expect(error).toMatchObject({ type: 'PERMANENT', code: 'VALUE_TOO_LARGE' });
    expect((await backend.get('k'))?.byteLength).toBe(10);
    await backend.close();
  });
});

describe('namespaces and sharing', () => {
  it('clear and keys touch only their namespace and spare foreign files', async () => {
    const dir = await makeTempDir();
    const a = new FileBackend({ directory: dir, namespace: 'a' });
    const b = new FileBackend({ directory: dir, namespace: 'b' });
    await a.set('user:1', Buffer.from('a1'));
    await a.set('user:2', Buffer.from('a2'));
    await a.set('post:1', Buffer.from('a3'));
    await b.set('user:1', Buffer.from('b1'));
    await writeFile(join(dir, 'README.txt'), 'foreign');
    await writeFile(join(namespaceDir(dir, 'a'), 'notes.txt'), 'foreign too');
    const keys: string[] = [];
    for await (const key of a.keys('user:')) keys.push(key);
    expect(keys.sort()).toEqual(['user:1', 'user:2']);
    await a.clear();
    expect(await a.get('user:1')).toBeUndefined();
    expect(Buffer.from((await b.get('user:1')) as Uint8Array).toString()).toBe('b1');
    expect(await readdir(dir)).toContain('README.txt');
    expect(await readdir(namespaceDir(dir, 'a'))).toContain('notes.txt');
    await a.close();
    await b.close();
  });

  it('recreates a cache directory removed while open', async () => {
    const dir = join(await makeTempDir(), 'cache');
    const backend = new FileBackend({ directory: dir, durability: 'fsync' });
    await backend.set('k', Buffer.from('1'));
    await rm(dir, { recursive: true });
    expect(await backend.get('k')).toBeUndefined();
    await backend.set('k', Buffer.from('2'));
    expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('2');
    await backend.close();
  });

  it('replaces a file planted as a shard directory when writing', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir });
    await backend.set('k', Buffer.from('1'));
    const [file] = await listFiles(dir);
    const shard = join(file as string, '..');
    await rm(shard, { recursive: true });
    await writeFile(shard, 'not a directory');
    expect(await backend.get('k')).toBeUndefined();
    await writeFile(shard, 'not a directory');
    await backend.set('k', Buffer.from('2'));
    expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('2');
    await backend.close();
  });
});

describe('values', () => {
  it.each([
    ['1 KiB', 1024],
    ['100 KiB (reused write buffer)', 100 * 1024],
    ['5 MiB', 5 * 1024 * 1024],
  ])(
    'a %s value is stored as it was when set was called, even if changed right after',
    async (_name, size) => {
      const backend = new FileBackend({ directory: await makeTempDir() });
      const values = Array.from({ length: 6 }, (_, i) => Buffer.alloc(size, i + 1));
      const pending = values.map((value, i) => backend.set(`k${i}`, value));
      for (const value of values) value.fill(0xee);
      await Promise.all(pending);
      for (let i = 0; i < values.length; i++) {
        const got = await backend.get(`k${i}`);
        expect(Buffer.from(got as Uint8Array).equals(Buffer.alloc(size, i + 1))).toBe(true);
        (got as Uint8Array).fill(0);
        expect((await backend.get(`k${i}`))?.[0]).toBe(i + 1);
      }
      await backend.close();
    },
  );
});

describe('foreign things in the cache directory', () => {
  it('a directory at an entry path is a miss, survives delete and sweep, and fails writes classified', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, staleTempFileMs: 0 });
    await backend.set('k', Buffer.from('v'));
    const [file] = await listFiles(dir);
    await rm(file as string);
    await mkdir(file as string);
    await writeFile(join(file as string, 'inside'), 'foreign');
    expect(await backend.get('k')).toBeUndefined();
    expect(await backend.delete('k')).toBe(false);
    await backend.sweep();
    await backend.clear();
    expect(await readdir(file as string)).toEqual(['inside']);
    const error = await rejection(backend.set('k', Buffer.from('w')));
    expect(error).toMatchObject({ type: 'PERMANENT', code: 'NOT_A_FILE' });
    expect(await listFiles(dir)).toEqual([join(file as string, 'inside')]);
    await backend.close();
  });
});

describe('timeouts', () => {
  it('a write slower than its limit rejects with TIMEOUT, and leaves old or new values', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, durability: 'fsync' });
    const entries = Array.from({ length: 8 }, (_, i) => ({
      key: `big-${i}`,
      value: Buffer.alloc(2 * 1024 * 1024, i + 1),
    }));
    const error = await rejection(
      backend.withTimeout('setMany', 1, () => backend.setMany(entries)),
    );
    expect(error).toMatchObject({ type: 'TIMEOUT', code: 'TIMEOUT', operation: 'setMany' });
    // Let the writes finish, then every value is missing or complete.
    const deadline = Date.now() + 20_000;
    while ((await backend.getMany(entries.map((e) => e.key))).includes(undefined)) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const [i, value] of (await backend.getMany(entries.map((e) => e.key))).entries()) {
      expect(value === undefined || Buffer.from(value).equals(entries[i]?.value as Buffer)).toBe(
        true,
      );
    }
    await backend.close();
  });

  it('scopes limits to the call tree and lets fast operations through', async () => {
    const backend = new FileBackend({ directory: await makeTempDir() });
    await backend.withTimeout('*', 10_000, async () => {
      await backend.set('k', Buffer.from('v'));
      expect(await backend.exists('k')).toBe(true);
    });
    const error = await rejection(backend.withTimeout('get', 0, () => backend.get('k')));
    expect(error.code).toBe('INVALID_TIMEOUT');
    await backend.close();
  });
});

describe('lifecycle', () => {
  it('close is idempotent; every operation after it fails with CLOSED; health says so', async () => {
    const backend = new FileBackend({ directory: await makeTempDir() });
    await backend.set('k', Buffer.from('v'));
    await backend.close();
    await backend.close();
    for (const operation of [
      () => backend.get('k'),
      () => backend.set('k', Buffer.from('v')),
      () => backend.delete('k'),
      () => backend.acquireLock('k', { ttlMs: 100 }),
      () => backend.sweep(),
    ]) {
      expect(await rejection(operation())).toMatchObject({ type: 'PERMANENT', code: 'CLOSED' });
    }
    const health = await backend.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.backendType).toBe('file');
  });

  it('validates keys, values and TTLs before touching anything', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir });
    await backend.set('k', Buffer.from('v'), 60_000);
    expect((await rejection(backend.set('k', Buffer.from('x'), 0))).code).toBe('INVALID_TTL');
    expect((await rejection(backend.refreshTtl('k', -1))).code).toBe('INVALID_TTL');
    expect((await rejection(backend.get(''))).code).toBe('INVALID_KEY');
    expect((await rejection(backend.set('k', 'text' as never))).code).toBe('INVALID_VALUE');
    expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('v');
    expect(await backend.getTtl('k')).toBeGreaterThan(59_000);
    await backend.close();
  });

  it('rejects a view over a detached ArrayBuffer in set and setMany; a rejected batch changes nothing', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    await backend.set('a', Buffer.from('old'));
    const detached = (): Uint8Array => {
      const buffer = new ArrayBuffer(16);
      const view = new Uint8Array(buffer, 4, 8);
      structuredClone(buffer, { transfer: [buffer] });
      return view;
    };
    expect(await rejection(backend.set('a', detached()))).toMatchObject({
      type: 'PERMANENT',
      code: 'INVALID_VALUE',
      key: 'a',
    });
    const batch = [
      { key: 'a', value: Buffer.from('new') },
      { key: 'b', value: Buffer.from('new') },
      { key: 'c', value: detached() },
      { key: 'd', value: Buffer.from('new') },
    ];
    expect(await rejection(backend.setMany(batch))).toMatchObject({
      type: 'PERMANENT',
      code: 'INVALID_VALUE',
      key: 'c',
    });
    expect(
      await rejection(backend.setMany([batch[0], { key: 'e', value: 'x' }] as never)),
    ).toMatchObject({
      code: 'INVALID_VALUE',
    });
    expect(Buffer.from((await backend.get('a')) as Uint8Array).toString()).toBe('old');
    expect(await backend.getMany(['b', 'c', 'd', 'e'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(await listFiles(dir)).toHaveLength(1);
    await backend.close();
  });

  it('keys rejects a prefix with a lone surrogate or of another type with INVALID_ARGUMENT', async () => {
    const backend = new FileBackend({ directory: await makeTempDir(), sweepIntervalMs: 0 });
    await backend.set('\uD83D\uDE00 key', Buffer.from('v'));
    const list = async (prefix: unknown): Promise<string[]> => {
      const keys: string[] = [];
      for await (const key of backend.keys(prefix as string)) keys.push(key);
      return keys;
    };
    for (const prefix of ['\uD83D', 'a\uDE00', 1, null]) {
      expect(await rejection(list(prefix))).toMatchObject({
        type: 'PERMANENT',
        code: 'INVALID_ARGUMENT',
        operation: 'keys',
      });
    }
    expect(await list('\uD83D\uDE00')).toEqual(['\uD83D\uDE00 key']);
    await backend.close();
  });

  it('keeps TTLs longer than 2^31-1 ms and clears a TTL on a set without one', async () => {
    const backend = new FileBackend({ directory: await makeTempDir() });
    await backend.set('k', Buffer.from('v'), 2 ** 31 + 1000);
    expect(await backend.getTtl('k')).toBeGreaterThan(2 ** 31);
    await backend.set('k', Buffer.from('v'));
    expect(await backend.getTtl('k')).toBe(Number.POSITIVE_INFINITY);
    expect(await backend.refreshTtl('k', 500)).toBe(true);
    expect(await backend.getTtl('k')).toBeLessThanOrEqual(500);
    expect(await backend.refreshTtl('missing', 500)).toBe(false);
    await backend.close();
  });

  it('health details report the layout, limits and counters', async () => {
    const dir = await makeTempDir();
    await mkdir(join(dir, 'x'));
    const backend = new FileBackend({ directory: dir, namespace: 'n', maxEntries: 10 });
    await backend.set('k', Buffer.from('v'));
    const health = await backend.healthCheck();
    expect(health).toMatchObject({ healthy: true, backendType: 'file' });
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    expect(health.details).toMatchObject({
      directory: dir,
      namespace: 'n',
      durability: 'none',
      maxEntries: 10,
      corruptEntries: 0,
      entries: 1,
    });
    await backend.close();
  });
});
