import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FileBackend, GUARD_STALE_MS } from '../src/index.js';
import { makeTempDir, namespaceDir } from './helpers.js';

const locksDir = (dir: string): string => join(namespaceDir(dir), 'locks');

describe('file locks', () => {
  it('a lock file holds the token and the expiry in epoch ms', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    const before = Date.now();
    const lock = await backend.acquireLock('job', { ttlMs: 5000 });
    const [name] = await readdir(locksDir(dir));
    const [token, expiry] = (await readFile(join(locksDir(dir), name as string), 'utf8')).split(
      '\n',
    );
    expect(token).toBe(lock?.token);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 5000);
    expect(Number(expiry)).toBeLessThanOrEqual(Date.now() + 5000);
    await lock?.release();
    await backend.close();
  });

  it('lock keys and data keys never collide', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    await backend.set('k', Buffer.from('data'));
    const lock = await backend.acquireLock('k', { ttlMs: 5000 });
    expect(lock).toBeDefined();
    expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('data');
    expect(await backend.delete('k')).toBe(true);
    expect(await backend.acquireLock('k', { ttlMs: 5000 })).toBeUndefined();
    const keys: string[] = [];
    for await (const key of backend.keys()) keys.push(key);
    expect(keys).toEqual([]);
    await lock?.release();
    await backend.close();
  });

  it('an expired holder can neither release nor extend the lock of the next holder', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    const first = await backend.acquireLock('job', { ttlMs: 50 });
    await sleep(80);
    expect(await first?.extend(1000)).toBe(false);
    const second = await backend.acquireLock('job', { ttlMs: 5000 });
    expect(second).toBeDefined();
    expect(await first?.release()).toBe(false);
    expect(await backend.acquireLock('job', { ttlMs: 5000 })).toBeUndefined();
    expect(await second?.extend(10_000)).toBe(true);
    expect(await second?.release()).toBe(true);
    expect(await readdir(locksDir(dir))).toEqual([]);
    await backend.close();
  });

  it('the sweep removes expired lock files and guards left by crashed processes', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    await backend.acquireLock('expired', { ttlMs: 30 });
    const live = await backend.acquireLock('live', { ttlMs: 60_000 });
    const names = await readdir(locksDir(dir));
    const guard = join(locksDir(dir), `${names[0]}.guard`);
    await writeFile(guard, '');
    const old = (Date.now() - GUARD_STALE_MS - 5000) / 1000;
    await utimes(guard, old, old);
    await sleep(50);
    await backend.sweep();
    expect(await readdir(locksDir(dir))).toHaveLength(1);
    expect((await backend.healthCheck()).details.expiredLocksRemoved).toBe(1);
    expect(await live?.release()).toBe(true);
    await backend.close();
  });

  it('a waiting acquire gets the lock soon after release, with waitMs honoured', async () => {
    const dir = await makeTempDir();
    const a = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    const b = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    const held = await a.acquireLock('job', { ttlMs: 10_000 });
    const started = performance.now();
    expect(await b.acquireLock('job', { ttlMs: 1000, waitMs: 150 })).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    setTimeout(() => void held?.release(), 50);
    const taken = await b.acquireLock('job', { ttlMs: 1000, waitMs: 5000 });
    expect(taken).toBeDefined();
    await taken?.release();
    await a.close();
    await b.close();
  });
});

describe('file locks when the directory disappears', () => {
  it('release and extend resolve false once the cache directory was removed', async () => {
    const dir = join(await makeTempDir(), 'cache');
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    const lock = await backend.acquireLock('job', { ttlMs: 5000 });
    await rm(dir, { recursive: true });
    expect(await lock?.extend(1000)).toBe(false);
    expect(await lock?.release()).toBe(false);
    expect(await backend.acquireLock('job', { ttlMs: 5000 })).toBeDefined();
    await backend.close();
  });
});
