import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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
});
