import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendError } from '@cachestack/core';
import { rejection, runNode } from '@cachestack/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { FileBackend, toFileBackendError } from '../src/index.js';
import { fixture, listFiles, makeTempDir, namespaceDir, shardDir } from './helpers.js';

const mounted: string[] = [];

afterEach(() => {
  for (const point of mounted.splice(0).reverse()) execFileSync('umount', ['-l', point]);
});

/** Runs mount(8); the test needs root (or CAP_SYS_ADMIN) for it. */
function mount(args: string[], point: string | undefined): void {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `this test mounts a small tmpfs / read-only bind mount and needs root or CAP_SYS_ADMIN ` +
        `and mount(8) (util-linux; apt-get install mount). mount ${args.join(' ')} failed: ${String(error)}`,
    );
  }
  if (point !== undefined) mounted.push(point);
}

describe('file modes', () => {
  it('creates directories 0700 and files 0600, whatever the umask', async () => {
    const base = await makeTempDir();
    const cache = join(base, 'cache');
    const previous = process.umask(0o000);
    try {
      const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0 });
      await backend.set('k', Buffer.from('v'));
      const lock = await backend.acquireLock('k', { ttlMs: 5000 });
      const directories = [cache, namespaceDir(cache), shardDir(cache, 'k')];
      directories.push(join(namespaceDir(cache), 'locks'));
      for (const dir of directories)
        expect(((await stat(dir)).mode & 0o777).toString(8)).toBe('700');
      const files = await listFiles(cache);
      expect(files).toHaveLength(2);
      for (const file of files) expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
      await lock?.release();
      await backend.close();
    } finally {
      process.umask(previous);
    }
  });
});

describe('classified file-system errors', () => {
  it('a file where the cache directory should be → PERMANENT NOT_A_DIRECTORY, never a miss', async () => {
    const base = await makeTempDir();
    const cache = join(base, 'cache');
    await writeFile(cache, 'I am a file');
    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0 });
    for (const operation of [
      () => backend.get('k'),
      () => backend.set('k', Buffer.from('v')),
      () => backend.exists('k'),
      () => backend.delete('k'),
    ]) {
      const error = await rejection(operation());
      expect(error.type).toBe('PERMANENT');
      expect(error.code).toBe('NOT_A_DIRECTORY');
      expect(error.cause).toBeDefined();
    }
    const health = await backend.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.error).toContain('NOT_A_DIRECTORY');
    await backend.close();
  });

  it('a full disk (tiny tmpfs) → PERMANENT NO_SPACE; the old value and the directory stay clean', async () => {
    const point = join(await makeTempDir(), 'small');
    await mkdir(point);
    mount(['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', point], point);
    const backend = new FileBackend({ directory: point, sweepIntervalMs: 0 });
    await backend.set('k', Buffer.from('old'));
    const error = await rejection(backend.set('k', Buffer.alloc(1024 * 1024, 1)));
    expect(error).toMatchObject({
      type: 'PERMANENT',
      code: 'NO_SPACE',
      operation: 'set',
      key: 'k',
    });
    expect(error.message).toContain('no space left');
    expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('old');
    expect((await listFiles(point)).filter((file) => file.includes('.tmp-'))).toEqual([]);
    await backend.close();
  });

  it('a full disk makes healthCheck unhealthy when a 1-byte set would fail (the probe writes bytes)', async () => {
    const point = join(await makeTempDir(), 'full');
    await mkdir(point);
    mount(['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', point], point);
    const backend = new FileBackend({ directory: point, sweepIntervalMs: 0 });
    await backend.set('k', Buffer.from('old'));
    expect((await backend.healthCheck()).healthy).toBe(true);
    // Fill every remaining block; an empty file (an inode) still fits.
    const filler = join(point, 'filler');
    await expect(writeFile(filler, Buffer.alloc(1024 * 1024, 1))).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    await writeFile(join(point, 'empty'), '');
    expect(await rejection(backend.set('tiny', Buffer.from('x')))).toMatchObject({
      type: 'PERMANENT',
      code: 'NO_SPACE',
    });
    const health = await backend.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.error).toContain('NO_SPACE');
    expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('old');
    expect((await listFiles(point)).filter((file) => file.includes('.tmp-'))).toEqual([]);
    await rm(filler);
    expect((await backend.healthCheck()).healthy).toBe(true);
    await backend.set('tiny', Buffer.from('x'));
    await backend.close();
  });

  it('a read-only file system → PERMANENT ACCESS_DENIED on writes; reads still work', async () => {
    const point = join(await makeTempDir(), 'ro');
    await mkdir(point);
    const writable = new FileBackend({ directory: point, sweepIntervalMs: 0 });
    await writable.set('k', Buffer.from('kept'));
    await writable.set('short', Buffer.from('expires'), 30);
    await writable.close();
    mount(['--bind', point, point], point);
    mount(['-o', 'remount,ro,bind', point], undefined);
    const backend = new FileBackend({ directory: point, sweepIntervalMs: 0 });
    expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('kept');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // An expired entry that cannot be removed is still just a miss.
    expect(await backend.get('short')).toBeUndefined();
    const error = await rejection(backend.set('k', Buffer.from('new')));
    expect(error).toMatchObject({ type: 'PERMANENT', code: 'ACCESS_DENIED' });
    expect(error.message).toContain('read-only');
    expect((await rejection(backend.delete('k'))).code).toBe('ACCESS_DENIED');
    expect((await backend.healthCheck()).healthy).toBe(false);
    await backend.close();
  });

  it('a directory the user may not enter → PERMANENT ACCESS_DENIED for get and set', async () => {
    if (process.getuid?.() !== 0) {
      throw new Error('this test runs a child as user "nobody" and must itself run as root');
    }
    const base = await makeTempDir();
    await chmod(base, 0o755);
    const cache = join(base, 'cache');
    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0 });
    await backend.set('k', Buffer.from('v'));
    await backend.close();
    const run = await runNode(fixture('access-probe.mjs'), [cache], { uid: 65534, gid: 65534 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, Record<string, unknown>>;
    expect(result.get).toMatchObject({
      name: 'BackendError',
      type: 'PERMANENT',
      code: 'ACCESS_DENIED',
    });
    expect(result.set).toMatchObject({
      name: 'BackendError',
      type: 'PERMANENT',
      code: 'ACCESS_DENIED',
    });
    expect(result.get?.message).toContain('permission denied');
    expect(result.health?.healthy).toBe(false);
    expect(await readdir(cache)).toHaveLength(1);
  });

  it.each([
    ['ENOENT', 'TRANSIENT', 'UNAVAILABLE'],
    ['EACCES', 'PERMANENT', 'ACCESS_DENIED'],
    ['EPERM', 'PERMANENT', 'ACCESS_DENIED'],
    ['EROFS', 'PERMANENT', 'ACCESS_DENIED'],
    ['ENOSPC', 'PERMANENT', 'NO_SPACE'],
    ['EDQUOT', 'PERMANENT', 'NO_SPACE'],
    ['EIO', 'PERMANENT', 'IO_ERROR'],
    ['EMFILE', 'TRANSIENT', 'UNAVAILABLE'],
    ['EBUSY', 'TRANSIENT', 'UNAVAILABLE'],
    ['ENOTDIR', 'PERMANENT', 'NOT_A_DIRECTORY'],
    ['ELOOP', 'PERMANENT', 'SYMLINK_REFUSED'],
    ['EISDIR', 'PERMANENT', 'NOT_A_FILE'],
    ['EWEIRD', 'UNKNOWN', 'UNKNOWN'],
  ])('%s maps to %s %s', (code, type, backendCode) => {
    const native = Object.assign(new Error(`${code}: simulated`), { code });
    const error = toFileBackendError(native, 'get', 'k');
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ type, code: backendCode, operation: 'get', key: 'k' });
    expect(error.cause).toBe(native);
  });
});
