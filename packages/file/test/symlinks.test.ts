import {
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileBackend } from '../src/index.js';
import { entryFile, listFiles, makeTempDir, namespaceDir, shardDir } from './helpers.js';

/** A cache dir and an "outside" dir next to it holding a file nobody may touch. */
async function setup(): Promise<{ cache: string; outside: string; secret: string }> {
  const base = await makeTempDir();
  const cache = join(base, 'cache');
  const outside = join(base, 'outside');
  await mkdir(outside);
  const secret = join(outside, 'secret');
  await writeFile(secret, 'do not touch');
  return { cache, outside, secret };
}

async function expectUntouched(outside: string, secret: string): Promise<void> {
  expect(await readdir(outside)).toEqual([basename(secret)]);
  expect(await readFile(secret, 'utf8')).toBe('do not touch');
}

function basename(path: string): string {
  return path.slice(dirname(path).length + 1);
}

/** Every file under `dir` with its content, to prove nothing there changed. */
async function snapshot(dir: string): Promise<string[]> {
  const files = await listFiles(dir);
  return Promise.all(
    files.map(async (file) => {
      const stats = await lstat(file);
      const content = stats.isFile() ? (await readFile(file)).toString('hex') : 'link';
      return `${file}:${content}:${stats.mtimeMs}`;
    }),
  );
}

/** Runs every operation of the backend once; resolves what each returned (or its error code). */
async function everyOperation(backend: FileBackend): Promise<Record<string, unknown>> {
  const settle = (promise: Promise<unknown>) =>
    promise.then(
      (value) => value,
      (error: { code?: string }) => `rejected ${error.code}`,
    );
  const collect = async () => {
    const keys: string[] = [];
    for await (const key of backend.keys()) keys.push(key);
    return keys;
  };
  return {
    get: await settle(backend.get('target')),
    exists: await settle(backend.exists('target')),
    getTtl: await settle(backend.getTtl('target')),
    getMany: await settle(backend.getMany(['target', 'other'])),
    keys: await settle(collect()),
    refreshTtl: await settle(backend.refreshTtl('target', 60_000)),
    delete: await settle(backend.delete('target')),
    deleteMany: await settle(backend.deleteMany(['target', 'other'])),
    sweep: await settle(backend.sweep()),
    clear: await settle(backend.clear()),
  };
}

const MISSES = {
  get: undefined,
  exists: false,
  getTtl: undefined,
  getMany: [undefined, undefined],
  keys: [],
  refreshTtl: false,
  delete: false,
  deleteMany: 0,
  sweep: undefined,
  clear: undefined,
};

describe('symlink attacks', () => {
  it('a symlink planted as an entry file is not read, written, or deleted through', async () => {
    const { cache, outside, secret } = await setup();
    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0 });
    await backend.set('target', Buffer.from('cached'));
    const file = entryFile(cache, 'target');
    await rm(file);
    await symlink(secret, file);

    expect(await backend.get('target')).toBeUndefined();
    await expectUntouched(outside, secret);
    expect((await backend.healthCheck()).details.corruptEntries).toBe(1);

    await symlink(secret, file);
    expect(await backend.delete('target')).toBe(false);
    await expectUntouched(outside, secret);

    await symlink(secret, file);
    await backend.set('target', Buffer.from('new'));
    await expectUntouched(outside, secret);
    expect((await lstat(file)).isFile()).toBe(true);
    expect(Buffer.from((await backend.get('target')) as Uint8Array).toString()).toBe('new');

    await rm(file);
    await symlink(secret, file);
    await backend.clear();
    await expectUntouched(outside, secret);
    await backend.close();
  });

  it('a symlink planted as a shard directory is never followed', async () => {
    const { cache, outside, secret } = await setup();
    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0 });
    await backend.set('target', Buffer.from('cached'));
    const shard = shardDir(cache, 'target');
    // A copy of the real entry waits outside, where the symlink leads.
    const entryName = basename(entryFile(cache, 'target'));
    await writeFile(join(outside, entryName), await readFile(entryFile(cache, 'target')));
    await rm(shard, { recursive: true });
    await symlink(outside, shard);

    expect(await backend.get('target')).toBeUndefined();
    expect(await backend.exists('target')).toBe(false);
    expect(await readdir(outside)).toEqual([entryName, 'secret'].sort());

    await symlink(outside, shard).catch(() => undefined);
    await backend.set('target', Buffer.from('new'));
    await backend.set('target-2', Buffer.from('other'));
    expect(await readdir(outside)).toEqual([entryName, 'secret'].sort());
    expect(await readFile(secret, 'utf8')).toBe('do not touch');
    expect((await lstat(shard)).isDirectory()).toBe(true);
    expect(Buffer.from((await backend.get('target')) as Uint8Array).toString()).toBe('new');

    await rm(shard, { recursive: true });
    await symlink(outside, shard);
    expect(await backend.delete('target')).toBe(false);
    await backend.clear();
    await backend.sweep();
    expect(await readdir(outside)).toEqual([entryName, 'secret'].sort());
    await backend.close();
  });

  it('a symlink planted as a lock file is replaced, never written through', async () => {
    const { cache, outside, secret } = await setup();
    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0 });
    const locks = join(namespaceDir(cache), 'locks');
    const held = await backend.acquireLock('job', { ttlMs: 1000 });
    const [name] = await readdir(locks);
    expect(name).toMatch(/^[0-9a-f]{64}\.lock$/);
    await held?.release();
    expect(await readdir(locks)).toEqual([]);
    await symlink(secret, join(locks, name as string));
    const lock = await backend.acquireLock('job', { ttlMs: 1000 });
    expect(lock).toBeDefined();
    expect(await lock?.release()).toBe(true);
    await expectUntouched(outside, secret);
    await backend.close();
  });

  it('keys with ../, absolute paths, NUL and long shared prefixes stay inside the directory', async () => {
    const { cache, outside, secret } = await setup();
    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0 });
    const long = 'p'.repeat(300);
    const keys = [
      '../../outside/secret',
      '/etc/passwd',
      '..',
      'a\0b',
      'C:\\windows',
      `${long}1`,
      `${long}2`,
      'Key',
      'key',
    ];
    for (const [i, key] of keys.entries()) await backend.set(key, Buffer.from(String(i)));
    for (const [i, key] of keys.entries()) {
      expect(Buffer.from((await backend.get(key)) as Uint8Array).toString()).toBe(String(i));
    }
    await expectUntouched(outside, secret);
    const files = await listFiles(cache);
    expect(files).toHaveLength(keys.length);
    for (const file of files) {
      expect(file.startsWith(`${cache}/`)).toBe(true);
      expect(basename(file)).toMatch(/^[0-9a-f]{64}$/);
    }
    await backend.close();
  });

  it('a symlink planted as the namespace directory is never followed, even by a fresh backend', async () => {
    const { cache, outside } = await setup();
    // A real cache written elsewhere; its namespace directory is moved outside and linked back.
    const writer = new FileBackend({ directory: cache, sweepIntervalMs: 0, staleTempFileMs: 0 });
    await writer.set('target', Buffer.from('planted'), 60_000);
    await writer.set('other', Buffer.from('planted too'));
    await writer.acquireLock('job', { ttlMs: 1 });
    await writer.close();
    const planted = join(outside, 'ns');
    await rename(namespaceDir(cache), planted);
    await writeFile(join(planted, 'locks', '.tmp-1-0000000000000000'), 'a stale temp file');
    await utimes(join(planted, 'locks', '.tmp-1-0000000000000000'), 1, 1);
    await symlink(planted, namespaceDir(cache));
    const before = await snapshot(outside);
    await new Promise((resolve) => setTimeout(resolve, 5));

    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0, staleTempFileMs: 0 });
    expect(await everyOperation(backend)).toEqual(MISSES);
    expect(await snapshot(outside)).toEqual(before);
    expect((await backend.healthCheck()).details.corruptEntries).toBeGreaterThanOrEqual(1);

    await symlink(planted, namespaceDir(cache)).catch(() => undefined);
    await backend.set('target', Buffer.from('new'));
    await backend.setMany([{ key: 'other', value: Buffer.from('new too') }]);
    const lock = await backend.acquireLock('job', { ttlMs: 1000 });
    expect(lock).toBeDefined();
    expect(await lock?.release()).toBe(true);
    expect((await lstat(namespaceDir(cache))).isDirectory()).toBe(true);
    expect(await snapshot(outside)).toEqual(before);
    expect(Buffer.from((await backend.get('target')) as Uint8Array).toString()).toBe('new');
    await backend.close();
  });

  it('a namespace directory swapped for a symlink while running is never followed', async () => {
    const { cache, outside } = await setup();
    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0, staleTempFileMs: 0 });
    await backend.set('target', Buffer.from('mine'), 60_000);
    await backend.set('other', Buffer.from('mine too'));
    const lock = await backend.acquireLock('job', { ttlMs: 60_000 });
    // The live namespace directory (with its entries and lock) moves outside; a link takes its place.
    const moved = join(outside, 'ns');
    await cp(namespaceDir(cache), moved, { recursive: true });
    await rm(namespaceDir(cache), { recursive: true });
    await symlink(moved, namespaceDir(cache));
    const before = await snapshot(outside);
    await new Promise((resolve) => setTimeout(resolve, 5));

    expect(await lock?.extend(60_000)).toBe(false);
    expect(await lock?.release()).toBe(false);
    await symlink(moved, namespaceDir(cache)).catch(() => undefined);
    expect(await everyOperation(backend)).toEqual(MISSES);
    expect(await snapshot(outside)).toEqual(before);

    await symlink(moved, namespaceDir(cache)).catch(() => undefined);
    await backend.set('target', Buffer.from('new'));
    expect(await backend.acquireLock('job', { ttlMs: 1000 })).toBeDefined();
    expect((await backend.healthCheck()).healthy).toBe(true);
    expect(await snapshot(outside)).toEqual(before);
    expect((await lstat(namespaceDir(cache))).isDirectory()).toBe(true);
    await backend.close();
  });

  it('a symlink planted as the lock directory is never followed', async () => {
    const { cache, outside, secret } = await setup();
    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0, staleTempFileMs: 0 });
    const lock = await backend.acquireLock('job', { ttlMs: 60_000 });
    const locks = join(namespaceDir(cache), 'locks');
    const moved = join(outside, 'locks');
    await cp(locks, moved, { recursive: true });
    await rm(locks, { recursive: true });
    await writeFile(join(moved, '.tmp-1-0000000000000000'), 'a stale temp file');
    await utimes(join(moved, '.tmp-1-0000000000000000'), 1, 1);
    await symlink(moved, locks);
    const before = await snapshot(outside);
    await new Promise((resolve) => setTimeout(resolve, 5));

    expect(await lock?.extend(60_000)).toBe(false);
    expect(await lock?.release()).toBe(false);
    await symlink(moved, locks).catch(() => undefined);
    await backend.sweep();
    await symlink(moved, locks).catch(() => undefined);
    const again = await backend.acquireLock('job', { ttlMs: 1000 });
    expect(again).toBeDefined();
    expect(await again?.release()).toBe(true);
    expect(await snapshot(outside)).toEqual(before);
    expect(await readFile(secret, 'utf8')).toBe('do not touch');
    await backend.close();
  });
});
