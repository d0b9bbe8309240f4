import { crc32 } from 'node:zlib';
import type BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SqliteBackend } from '../src/index.js';
import { backendsPerTest } from './helpers.js';

/** Frames now in the WAL after emptying it, i.e. pages the next writes commit. */
function emptyWal(db: BetterSqlite3.Database): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}
function walFrames(db: BetterSqlite3.Database): number {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  return row?.log ?? -1;
}
function accessedAt(backend: SqliteBackend, key: string): number {
  return backend.database
    .prepare('SELECT accessed_at FROM cachestack_entries WHERE namespace = ? AND key = ?')
    .pluck()
    .get(backend.namespace, key) as number;
}
function ageRow(backend: SqliteBackend, key: string, accessedAtMs: number): void {
  backend.database
    .prepare('UPDATE cachestack_entries SET accessed_at = ? WHERE namespace = ? AND key = ?')
    .run(accessedAtMs, backend.namespace, key);
}

describe('pages a set writes (the write cost of the bookkeeping)', () => {
  const { open } = backendsPerTest();
  const limits = [
    ['no limit', {}],
    ["maxEntries, 'lru'", { maxEntries: 1000 }],
    ["maxBytes, 'oldest'", { maxBytes: 1_000_000, eviction: 'oldest' as const }],
  ] as const;

  for (const [name, options] of limits) {
    it(`${name}: rewriting the same bytes commits no page; new bytes of the same size commit one`, async () => {
      const backend = open({ purgeIntervalMs: 0, ...options });
      const db = backend.database;
      db.pragma('wal_autocheckpoint = 0');
      for (let i = 0; i < 50; i++) await backend.set(`key-${i}`, Buffer.alloc(100, 1));
      emptyWal(db);
      for (let i = 0; i < 50; i++) await backend.set(`key-${i}`, Buffer.alloc(100, 1));
      expect(walFrames(db)).toBe(0);
      await backend.set('key-7', Buffer.alloc(100, 2));
      expect(walFrames(db)).toBe(1);
      expect(await backend.get('key-7')).toEqual(Buffer.alloc(100, 2));
    });
  }

  for (const [name, options] of limits) {
    it(`${name}: new bytes of a 10 KiB value commit its 3 pages, whatever their checksum (rewritten in place)`, async () => {
      const backend = open({ purgeIntervalMs: 0, ...options });
      const db = backend.database;
      db.pragma('wal_autocheckpoint = 0');
      const values = Array.from({ length: 8 }, (_, i) => Buffer.alloc(10_240, i + 1));
      const checksums = values.map((value) => crc32(value));
      // Both sides of 2^31: an INTEGER column stores these in 4 and 6 bytes.
      expect(checksums.some((c) => c < 2 ** 31) && checksums.some((c) => c >= 2 ** 31)).toBe(true);
      await backend.set('big', values[0] as Buffer);
      const frames: number[] = [];
      for (const value of values.slice(1)) {
        emptyWal(db);
        await backend.set('big', value);
        frames.push(walFrames(db));
      }
      // The row's leaf and its 2 overflow pages: no overflow page freed and reallocated.
      expect(frames).toEqual(values.slice(1).map(() => 3));
      expect(await backend.get('big')).toEqual(values.at(-1));
    });
  }

  it('with a limit, a rewrite older than accessResolutionMs moves the write time before an eviction (eviction order holds)', async () => {
    const backend = open({ maxEntries: 3, eviction: 'oldest', purgeIntervalMs: 0 });
    for (const key of ['a', 'b', 'c']) await backend.set(key, Buffer.from(key));
    ageRow(backend, 'a', 1);
    ageRow(backend, 'b', 2);
    ageRow(backend, 'c', 3);
    await backend.set('a', Buffer.from('a2'));
    // Noted in memory, written in a batch: the eviction writes it first.
    await backend.set('d', Buffer.from('d'));
    expect(accessedAt(backend, 'a')).toBeGreaterThan(Date.now() - 60_000);
    const keys: string[] = [];
    for await (const key of backend.keys()) keys.push(key);
    expect(keys).toEqual(['a', 'c', 'd']);
  });

  it('with a limit, rewrites of aged rows write their access times together, not one commit each', async () => {
    const backend = open({ maxEntries: 1000, eviction: 'oldest', purgeIntervalMs: 0 });
    const db = backend.database;
    db.pragma('wal_autocheckpoint = 0');
    for (let i = 0; i < 200; i++) await backend.set(`key-${i}`, Buffer.alloc(100, 1));
    for (let i = 0; i < 200; i++) ageRow(backend, `key-${i}`, i + 1);
    emptyWal(db);
    for (let i = 0; i < 200; i++) await backend.set(`key-${i}`, Buffer.alloc(100, 1));
    expect(walFrames(db)).toBe(0);
    // Another backend on the file sees them once they are written (purge timer, close).
    await backend.purgeExpired();
    expect(accessedAt(backend, 'key-0')).toBeGreaterThan(Date.now() - 60_000);
    expect(accessedAt(backend, 'key-199')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('with a limit and only rewrites, the access times are written once accessResolutionMs passed', async () => {
    const backend = open({ maxEntries: 100, accessResolutionMs: 50, purgeIntervalMs: 0 });
    await backend.set('a', Buffer.from('1'));
    await backend.set('b', Buffer.from('1'));
    ageRow(backend, 'a', 5);
    await backend.set('a', Buffer.from('2')); // noted, not written yet
    expect(accessedAt(backend, 'a')).toBe(5);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await backend.set('b', Buffer.from('2')); // a rewrite: its set writes what is due
    expect(accessedAt(backend, 'a')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('with a limit, a rewrite of a large row within accessResolutionMs keeps the stored time and moves nothing in the access index', async () => {
    const backend = open({ maxEntries: 100, accessResolutionMs: 60_000, purgeIntervalMs: 0 });
    const db = backend.database;
    db.pragma('wal_autocheckpoint = 0');
    await backend.set('big', Buffer.alloc(10_240, 1));
    const stored = Date.now() - 500;
    ageRow(backend, 'big', stored);
    emptyWal(db);
    await backend.set('big', Buffer.alloc(10_240, 2));
    expect(walFrames(db)).toBe(3); // the row's leaf and its 2 overflow pages
    expect(accessedAt(backend, 'big')).toBe(stored);
    expect(await backend.get('big')).toEqual(Buffer.alloc(10_240, 2));
  });

  it('a rewrite within accessResolutionMs keeps the stored write time', async () => {
    const backend = open({ maxEntries: 10, accessResolutionMs: 1000, purgeIntervalMs: 0 });
    await backend.set('a', Buffer.from('1'));
    const stored = Date.now() - 500;
    ageRow(backend, 'a', stored);
    await backend.set('a', Buffer.from('2'));
    expect(accessedAt(backend, 'a')).toBe(stored);
    expect(await backend.get('a')).toEqual(Buffer.from('2'));
  });

  it('without a limit a rewrite keeps the insert time (no eviction bookkeeping)', async () => {
    const backend = open({ purgeIntervalMs: 0 });
    await backend.set('a', Buffer.from('1'));
    ageRow(backend, 'a', 5);
    await backend.set('a', Buffer.from('2'));
    expect(accessedAt(backend, 'a')).toBe(5);
  });
});
