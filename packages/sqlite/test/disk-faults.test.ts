import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { rejection } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from '../src/index.js';
import { fixture, tempDirPerTest } from './helpers.js';

const mounted: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

/** Stops the fixture processes and unmounts what the test mounted (before its dir is removed). */
async function cleanUp(): Promise<void> {
  for (const child of children.splice(0)) {
    child.stdin.end();
    if (child.exitCode === null) await once(child, 'exit');
  }
  for (const point of mounted.splice(0).reverse()) execFileSync('umount', ['-l', point]);
}

/** Runs mount(8); these tests need root (or CAP_SYS_ADMIN) for it. */
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

/** A tmpfs of `size` (mount(8) syntax, e.g. `'4m'`) at a new directory below `parent`. */
function smallDisk(parent: string, size: string): string {
  const point = join(parent, 'small');
  mkdirSync(point);
  mount(['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', point], point);
  return point;
}

/** Fills the file system of `dir` with 4 KiB files until it is full. */
function fillDisk(dir: string): void {
  for (let n = 0; ; n++) {
    try {
      writeFileSync(join(dir, `filler-${n}`), Buffer.alloc(4096, 1));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw error;
    }
  }
}

/** Starts test/fixtures/keep-open.mjs on `path`; resolves once it has the database open. */
async function keepOpen(path: string): Promise<void> {
  const child = spawn(process.execPath, [fixture('keep-open.mjs'), path]);
  children.push(child);
  child.stderr.pipe(process.stderr);
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  expect(line).toBe('open');
}

describe('disk faults', { timeout: 30_000 }, () => {
  const dir = tempDirPerTest(cleanUp);

  it('a read-only mount while another process keeps the WAL open → healthCheck unhealthy, writes ACCESS_DENIED', async () => {
    const files = join(dir.path, 'files');
    const readOnly = join(dir.path, 'read-only');
    mkdirSync(files);
    mkdirSync(readOnly);
    const writer = new SqliteBackend({ path: join(files, 'cache.db') });
    await writer.set('k', Buffer.from('kept'));
    await writer.close();
    await keepOpen(join(files, 'cache.db'));
    mount(['--bind', files, readOnly], readOnly);
    mount(['-o', 'remount,ro,bind', readOnly], undefined);

    const backend = new SqliteBackend({ path: join(readOnly, 'cache.db') });
    try {
      expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('kept');
      const error = await rejection(backend.set('new', Buffer.from('x')));
      expect(error).toMatchObject({ type: 'PERMANENT', code: 'ACCESS_DENIED' });
      const health = await backend.healthCheck();
      expect(health.healthy).toBe(false);
      expect(health.error).toMatch(/ACCESS_DENIED/);
    } finally {
      await backend.close();
    }
  });

  it('a full disk → healthCheck unhealthy while a 1-byte set fails NO_SPACE', async () => {
    const point = smallDisk(dir.path, '4m');
    const backend = new SqliteBackend({ path: join(point, 'cache.db') });
    try {
      for (let i = 0; i < 100; i++) await backend.set(`k${i}`, Buffer.alloc(3000, i));
      expect((await backend.healthCheck()).healthy).toBe(true);
      fillDisk(point);
      const error = await rejection(backend.set('tiny', Buffer.from('x')));
      expect(error).toMatchObject({ type: 'PERMANENT', code: 'NO_SPACE' });
      const health = await backend.healthCheck();
      expect(health.healthy).toBe(false);
      expect(health.error).toMatch(/NO_SPACE/);
      expect(Buffer.from((await backend.get('k1')) as Uint8Array)).toEqual(Buffer.alloc(3000, 1));
    } finally {
      await backend.close();
    }
  });

  it('a disk filled by other files: delete, deleteMany and clear still free entries', async () => {
    const point = smallDisk(dir.path, '8m');
    const backend = new SqliteBackend({ path: join(point, 'cache.db') });
    try {
      for (let i = 0; i < 500; i++) await backend.set(`k${i}`, Buffer.alloc(3000, i));
      backend.database.pragma('wal_checkpoint(TRUNCATE)');
      // Rewrites of existing pages: the WAL grows, the database file does not need to.
      for (let i = 0; i < 50; i++) await backend.set(`k${i}`, Buffer.alloc(3000, 7));
      fillDisk(point);
      expect((await rejection(backend.set('tiny', Buffer.from('x')))).code).toBe('NO_SPACE');

      expect(await backend.delete('k0')).toBe(true);
      expect(await backend.exists('k0')).toBe(false);
      expect(await backend.deleteMany(['k1', 'k2', 'missing'])).toBe(2);
      await backend.clear();
      expect(await backend.get('k3')).toBeUndefined();
      // The pages the deletes freed take new entries again.
      await backend.set('after', Buffer.alloc(3000, 9));
      expect(await backend.exists('after')).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('a disk filled by the cache itself: deletes fail NO_SPACE until the disk has room, then work', async () => {
    const point = smallDisk(dir.path, '2m');
    const backend = new SqliteBackend({ path: join(point, 'cache.db') });
    try {
      let written = 0;
      while (
        await backend.set(`k${written}`, Buffer.alloc(3000, 1)).then(
          () => true,
          () => false,
        )
      )
        written++;
      expect(written).toBeGreaterThan(10);
      // The WAL holds pages beyond the database file's end: even a checkpoint needs space.
      const error = await rejection(backend.delete('k0'));
      expect(error).toMatchObject({ type: 'PERMANENT', code: 'NO_SPACE', operation: 'delete' });
      expect(await backend.exists('k0')).toBe(true);
      expect((await backend.healthCheck()).healthy).toBe(false);
      // The recovery path: give the file system room (here: grow the tmpfs), then delete.
      execFileSync('mount', ['-o', 'remount,size=8m', point]);
      expect(await backend.delete('k0')).toBe(true);
      await backend.clear();
      expect(await backend.exists('k1')).toBe(false);
      expect((await backend.healthCheck()).healthy).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('a disk filled by the cache itself with new keys → healthCheck unhealthy while a 1-byte new key fails', async () => {
    const point = smallDisk(dir.path, '1m');
    const backend = new SqliteBackend({ path: join(point, 'cache.db'), purgeIntervalMs: 0 });
    try {
      const fails = (key: string, bytes: number): Promise<boolean> =>
        backend.set(key, Buffer.alloc(bytes, 3)).then(
          () => false,
          () => true,
        );
      let filled = 0;
      while (!(await fails(`fill:${filled}`, 16 * 1024))) filled++;
      expect(filled).toBeGreaterThan(5);
      let tiny = 0;
      while (!(await fails(`tiny:${tiny}`, 1)) && tiny < 4096) tiny++;
      const error = await rejection(backend.set('one-more', Buffer.from('x')));
      expect(error).toMatchObject({ type: 'PERMANENT', code: 'NO_SPACE' });
      // A one-row commit still fits in the WAL space the failed writes left behind.
      const health = await backend.healthCheck();
      expect(health.healthy).toBe(false);
      expect(health.error).toMatch(/NO_SPACE/);
      expect(Buffer.from((await backend.get('fill:0')) as Uint8Array)).toEqual(
        Buffer.alloc(16 * 1024, 3),
      );
    } finally {
      await backend.close();
    }
  });

  it('the database file deleted or replaced while open (rm -rf by a cleanup job) → healthCheck unhealthy', async () => {
    const path = join(dir.path, 'jobs', 'cache.db');
    const backend = new SqliteBackend({ path });
    try {
      await backend.set('k', Buffer.from('v'));
      expect((await backend.healthCheck()).healthy).toBe(true);
      rmSync(join(dir.path, 'jobs'), { recursive: true, force: true });
      // SQLite keeps working on the file it has open; only the health check can tell.
      expect(await backend.get('k')).toEqual(Buffer.from('v'));
      const deleted = await backend.healthCheck();
      expect(deleted.healthy).toBe(false);
      expect(deleted.error).toMatch(/INVALID_PATH.*deleted while open/);

      const other = new SqliteBackend({ path });
      await other.close();
      const replaced = await backend.healthCheck();
      expect(replaced.healthy).toBe(false);
      expect(replaced.error).toMatch(/replaced while open/);
    } finally {
      await backend.close();
    }
  });
});
