import type BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteBackend, type SqliteBackendOptions } from '../src/index.js';
import { backendsPerTest, runFixture } from './helpers.js';

/** The namespace's entry count and byte total from the counters, and counted with a full scan. */
function totals(db: BetterSqlite3.Database, namespace: string) {
  const counters = db
    .prepare('SELECT entries, bytes FROM cachestack_stats WHERE namespace = ?')
    .raw()
    .get(namespace) as [number, number] | undefined;
  const counted = db
    .prepare('SELECT count(*), coalesce(sum(size), 0) FROM cachestack_entries WHERE namespace = ?')
    .raw()
    .get(namespace) as [number, number];
  return { counters: counters ?? [0, 0], counted };
}

const modes: [string, Partial<SqliteBackendOptions>][] = [
  ['no limit', {}],
  ["maxEntries, 'lru'", { maxEntries: 100 }],
  ["maxBytes, 'oldest'", { maxBytes: 100_000, eviction: 'oldest' }],
];

// A set reads the row first when most recent sets found their entry already
// stored, else writes first: every sequence must store the same thing in
// both. Before each step, 12 sets of another key put the backend in the mode.
const paths: [string, (index: number) => Buffer][] = [
  ['read first (after sets of the same bytes)', () => Buffer.from('warm')],
  ['write first (after sets of new bytes)', (index) => Buffer.from(`warm-${index}`)],
];

describe('set: same bytes, new bytes, sizes and TTLs in any order', () => {
  const { open } = backendsPerTest();

  for (const [name, options] of modes) {
    for (const [path, warmValue] of paths) {
      it(`${name}, ${path}: each set stores exactly its entry, and the totals stay exact`, async () => {
        const backend = open({ purgeIntervalMs: 0, ...options });
        const v = (n: number, fill: number) => Buffer.alloc(n, fill);
        const steps: [key: string, value: Buffer, ttlMs: number | undefined][] = [
          ['a', v(10, 1), undefined],
          ['a', v(10, 1), undefined], // same again: nothing written
          ['a', v(10, 2), undefined], // new bytes
          ['a', v(10, 2), 60_000], // same bytes, now with a TTL
          ['a', v(10, 2), undefined], // same bytes, TTL removed
          ['b', v(5, 1), undefined], // a new key
          ['a', v(50, 3), undefined], // larger
          ['a', v(50, 3), undefined],
          ['a', v(20, 3), undefined], // smaller
          ['c', v(5, 1), 60_000],
          ['c', v(5, 1), 60_000], // same bytes, TTL moved on
          ['b', v(0, 0), undefined], // empty value
        ];
        let warmups = 0;
        for (const [key, value, ttlMs] of steps) {
          for (let i = 0; i < 12; i++) await backend.set('warm', warmValue(warmups++));
          await backend.set(key, value, ttlMs);
          expect(await backend.get(key)).toEqual(value);
          const ttl = await backend.getTtl(key);
          if (ttlMs === undefined) expect(ttl).toBe(Number.POSITIVE_INFINITY);
          else expect(ttl).toBeGreaterThan(ttlMs - 5_000);
          const { counters, counted } = totals(backend.database, 'default');
          expect(counters).toEqual(counted);
        }
        const warm = 4 + warmValue(warmups - 1).length;
        expect(totals(backend.database, 'default').counted).toEqual([4, 1 + 20 + 1 + 5 + 1 + warm]);
        expect((await backend.healthCheck()).details.corruptEntries).toBe(0);
      });
    }
  }

  it('a damaged row is rewritten even when the new bytes equal what it should hold', async () => {
    for (const [, options] of modes) {
      for (const [, warmValue] of paths) {
        const namespace = `${JSON.stringify(options)}-${warmValue(0).toString()}`;
        const backend = open({ purgeIntervalMs: 0, namespace, ...options });
        for (let i = 0; i < 12; i++) await backend.set('warm', warmValue(i));
        await backend.set('k', Buffer.from('good'));
        backend.database
          .prepare(
            'UPDATE cachestack_entries SET checksum = checksum + 1 WHERE namespace = ? AND key = ?',
          )
          .run(namespace, 'k');
        for (let i = 0; i < 12; i++) await backend.set('warm', warmValue(i));
        await backend.set('k', Buffer.from('good'));
        expect(await backend.get('k')).toEqual(Buffer.from('good'));
        expect((await backend.healthCheck()).details.corruptEntries).toBe(0);
      }
    }
  });

  it('with a limit, after a run of new keys (sets start with the transaction) a rewrite notes its access and sizes stay exact', async () => {
    const backend = open({ purgeIntervalMs: 0, maxEntries: 20, eviction: 'oldest' });
    const db = backend.database;
    await backend.set('old', Buffer.from('v1'));
    db.prepare("UPDATE cachestack_entries SET accessed_at = 1 WHERE key = 'old'").run();
    for (let i = 0; i < 12; i++) await backend.set(`n${i}`, Buffer.alloc(10, i));
    // Now most recent sets were new keys: these run in the write transaction.
    await backend.set('old', Buffer.from('v2, longer'));
    await backend.set('n3', Buffer.alloc(4, 9)); // smaller
    await backend.set('n4', Buffer.alloc(10, 4)); // unchanged
    expect(totals(db, 'default').counters).toEqual(totals(db, 'default').counted);
    // 21 entries: the eviction writes the noted access of 'old' first, so n0 goes.
    for (let i = 12; i < 20; i++) await backend.set(`n${i}`, Buffer.alloc(10, i));
    expect(await backend.get('old')).toEqual(Buffer.from('v2, longer'));
    expect(await backend.get('n0')).toBeUndefined();
    expect(await backend.get('n3')).toEqual(Buffer.alloc(4, 9));
    const { counters, counted } = totals(db, 'default');
    expect(counters).toEqual(counted);
    expect(counted[0]).toBeLessThanOrEqual(20);
  });

  it('a rewrite that grows an entry checks the limits like a new key', async () => {
    const backend = open({ purgeIntervalMs: 0, maxBytes: 1000 });
    for (let i = 0; i < 10; i++) await backend.set(`k${i}`, Buffer.alloc(90, i)); // 920 bytes
    for (const size of [200, 300, 120, 500]) {
      await backend.set('k0', Buffer.alloc(size, 1)); // after new bytes: written first
      const { counters, counted } = totals(backend.database, 'default');
      expect(counters).toEqual(counted);
      expect(counted[1]).toBeLessThanOrEqual(1000);
      expect(await backend.get('k0')).toEqual(Buffer.alloc(size, 1));
    }
  });
});

describe('limits with several processes writing at once', { timeout: 60_000 }, () => {
  const { dir } = backendsPerTest();

  it('4 processes rewriting shared keys (same, smaller, larger, new keys): totals exact, limits hold', async () => {
    const path = dir.file('cache.db');
    // Create the tables first, so the processes do not all create them at once.
    new SqliteBackend({ path }).close();
    const runs = await Promise.all(
      [1, 2, 3, 4].map((id) =>
        runFixture('limited-writer.mjs', [path, String(id), '300'], { timeoutMs: 50_000 }),
      ),
    );
    for (const run of runs) expect(run).toMatchObject({ code: 0 });
    const backend = new SqliteBackend({ path, namespace: 'limited', purgeIntervalMs: 0 });
    try {
      const { counters, counted } = totals(backend.database, 'limited');
      expect(counters).toEqual(counted);
      expect(counted[0]).toBeLessThanOrEqual(40);
      expect(counted[1]).toBeLessThanOrEqual(16_000);
      for await (const key of backend.keys()) expect(await backend.get(key)).toBeDefined();
      expect((await backend.healthCheck()).details.corruptEntries).toBe(0);
    } finally {
      await backend.close();
    }
  });
});
