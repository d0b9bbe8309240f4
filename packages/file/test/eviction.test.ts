import { utimes } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FileBackend, HEADER_BYTES } from '../src/index.js';
import { entryFile, listFiles, makeTempDir } from './helpers.js';

async function present(backend: FileBackend, keys: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const key of keys) if (await backend.exists(key)) found.push(key);
  return found;
}

describe('LRU eviction', () => {
  it('maxEntries evicts the least recently used entry (reads count as use)', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, maxEntries: 3, sweepIntervalMs: 0 });
    for (const key of ['a', 'b', 'c']) await backend.set(key, Buffer.from(key));
    await backend.get('a');
    await backend.set('d', Buffer.from('d'));
    expect(await present(backend, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
    await backend.set('c', Buffer.from('c2'));
    await backend.set('e', Buffer.from('e'));
    expect(await present(backend, ['a', 'c', 'd', 'e'])).toEqual(['c', 'd', 'e']);
    expect(await listFiles(dir)).toHaveLength(3);
    const { details } = await backend.healthCheck();
    expect(details).toMatchObject({ evictions: 2, entries: 3 });
    await backend.close();
  });

  it('maxBytes bounds the total size of entry files (header + key + value)', async () => {
    const dir = await makeTempDir();
    const entryBytes = HEADER_BYTES + 2 + 1000;
    const backend = new FileBackend({
      directory: dir,
      maxBytes: entryBytes * 3 + 10,
      sweepIntervalMs: 0,
    });
    for (let i = 0; i < 6; i++) await backend.set(`k${i}`, Buffer.alloc(1000, i));
    expect(await present(backend, ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'])).toEqual([
      'k3',
      'k4',
      'k5',
    ]);
    const { details } = await backend.healthCheck();
    expect(details).toMatchObject({ evictions: 3, entries: 3, bytes: entryBytes * 3 });
    // A bigger entry pushes out as many old ones as needed.
    await backend.set('big', Buffer.alloc(2500));
    expect(await present(backend, ['k3', 'k4', 'k5', 'big'])).toEqual(['big']);
    // The index is kept by writes, not rebuilt: one scan (the first) in total.
    expect((await backend.healthCheck()).details.sweeps).toBe(1);
    await backend.close();
  });

  it('builds its index lazily from the files already there, oldest write first', async () => {
    const dir = await makeTempDir();
    const unlimited = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    const keys = ['old-1', 'old-2', 'old-3', 'old-4'];
    for (const key of keys) await unlimited.set(key, Buffer.from(key));
    await unlimited.close();
    const now = Date.now() / 1000;
    // Write times: old-3 oldest, then old-1, old-4, old-2.
    const ages = { 'old-3': 400, 'old-1': 300, 'old-4': 200, 'old-2': 100 };
    for (const [key, age] of Object.entries(ages)) {
      await utimes(entryFile(dir, key), now - age, now - age);
    }
    const limited = new FileBackend({ directory: dir, maxEntries: 3, sweepIntervalMs: 0 });
    await limited.set('new', Buffer.from('new'));
    expect(await present(limited, [...keys, 'new'])).toEqual(['old-2', 'old-4', 'new']);
    await limited.close();
  });

  it('the sweep re-reads entries written by other instances and evicts over the limit', async () => {
    const dir = await makeTempDir();
    const limited = new FileBackend({ directory: dir, maxEntries: 2, sweepIntervalMs: 0 });
    await limited.set('mine', Buffer.from('x'));
    const other = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    for (const key of ['o1', 'o2', 'o3']) await other.set(key, Buffer.from(key));
    await other.close();
    await limited.sweep();
    expect(await listFiles(dir)).toHaveLength(2);
    await limited.close();
  });
});

describe('expired entries', () => {
  it('are reclaimed by the background sweep without any read', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 50 });
    await backend.set('short', Buffer.from('x'), 30);
    await backend.set('long', Buffer.from('y'), 60_000);
    await backend.set('forever', Buffer.from('z'));
    const deadline = Date.now() + 5000;
    while ((await listFiles(dir)).length > 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await listFiles(dir)).toHaveLength(2);
    expect((await backend.healthCheck()).details.expiredRemoved).toBe(1);
    expect(await present(backend, ['short', 'long', 'forever'])).toEqual(['long', 'forever']);
    await backend.close();
  });

  it('are removed when read, and invisible to every read path', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    await backend.set('gone', Buffer.from('x'), 20);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const keys: string[] = [];
    for await (const key of backend.keys()) keys.push(key);
    expect(keys).toEqual([]);
    expect(await backend.getTtl('gone')).toBeUndefined();
    expect(await backend.getMany(['gone'])).toEqual([undefined]);
    expect(await backend.exists('gone')).toBe(false);
    expect(await backend.get('gone')).toBeUndefined();
    expect(await backend.delete('gone')).toBe(false);
    expect(await listFiles(dir)).toEqual([]);
    await backend.close();
  });
});
