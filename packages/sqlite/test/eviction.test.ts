import type BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SqliteBackend } from '../src/index.js';
import { backendsPerTest } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);

async function liveKeys(backend: SqliteBackend): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of backend.keys()) keys.push(key);
  return keys;
}

/** The namespace's real entry count and byte total, counted with a full scan. */
function counted(db: BetterSqlite3.Database, namespace: string): [number, number] {
  return db
    .prepare('SELECT count(*), coalesce(sum(size), 0) FROM cachestack_entries WHERE namespace = ?')
    .raw()
    .get(namespace) as [number, number];
}

function counters(db: BetterSqlite3.Database, namespace: string): [number, number] {
  return (
    (db
      .prepare('SELECT entries, bytes FROM cachestack_stats WHERE namespace = ?')
      .raw()
      .get(namespace) as [number, number] | undefined) ?? [0, 0]
  );
}

describe('limits and eviction', () => {
  const { open } = backendsPerTest();

  it('maxEntries keeps the newest entries and evicts the oldest first', async () => {
    const backend = open({ maxEntries: 10 });
    for (let i = 0; i < 25; i++) {
      await backend.set(`k${String(i).padStart(2, '0')}`, bytes(10));
      expect((await liveKeys(backend)).length).toBeLessThanOrEqual(10);
    }
    const expected = Array.from({ length: 10 }, (_, i) => `k${15 + i}`);
    expect(await liveKeys(backend)).toEqual(expected);
  });

  it("'lru': a recently read entry survives, the least recently used one goes", async () => {
    const backend = open({ maxEntries: 3, accessResolutionMs: 0 });
    for (const key of ['a', 'b', 'c']) {
      await backend.set(key, bytes(1));
      await sleep(3);
    }
    expect(await backend.get('a')).toBeDefined();
    await sleep(3);
    await backend.set('d', bytes(1));
    expect((await liveKeys(backend)).sort()).toEqual(['a', 'c', 'd']);
  });

  it("'oldest': reads do not count, the least recently written entry goes", async () => {
    const backend = open({ maxEntries: 3, eviction: 'oldest' });
    for (const key of ['a', 'b', 'c']) {
      await backend.set(key, bytes(1));
      await sleep(3);
    }
    expect(await backend.get('a')).toBeDefined();
    await backend.set('d', bytes(1));
    expect((await liveKeys(backend)).sort()).toEqual(['b', 'c', 'd']);
  });

  it('maxBytes bounds the total of key and value bytes', async () => {
    const backend = open({ maxBytes: 2000 });
    for (let i = 0; i < 50; i++) {
      await backend.set(`key-${i}`, bytes(100 + (i % 7) * 10));
      expect(counters(backend.database, 'default')[1]).toBeLessThanOrEqual(2000);
    }
    expect(await backend.get('key-49')).toBeDefined();
    expect(await backend.get('key-0')).toBeUndefined();
  });

  it('a value larger than maxBytes → VALUE_TOO_LARGE and the old value stays', async () => {
    const backend = open({ maxBytes: 1000 });
    await backend.set('k', bytes(10, 7));
    await expect(backend.set('k', bytes(1001))).rejects.toMatchObject({
      type: 'PERMANENT',
      code: 'VALUE_TOO_LARGE',
    });
    // 1000 value bytes + 1 key byte > maxBytes.
    await expect(backend.set('k', bytes(1000))).rejects.toMatchObject({ code: 'VALUE_TOO_LARGE' });
    expect(await backend.get('k')).toEqual(bytes(10, 7));
    // Exactly maxBytes fits, evicting everything else.
    await backend.set('j', bytes(999));
    expect(await backend.get('j')).toEqual(bytes(999));
    expect(await backend.get('k')).toBeUndefined();
  });

  it('expired entries are evicted before live ones', async () => {
    const backend = open({ maxEntries: 4 });
    await backend.set('live-1', bytes(1));
    await backend.set('live-2', bytes(1));
    await backend.set('short-1', bytes(1), 20);
    await backend.set('short-2', bytes(1), 20);
    await sleep(40);
    await backend.set('live-3', bytes(1));
    await backend.set('live-4', bytes(1));
    expect((await liveKeys(backend)).sort()).toEqual(['live-1', 'live-2', 'live-3', 'live-4']);
    expect(counted(backend.database, 'default')[0]).toBe(4);
  });

  it('limits apply per namespace: another namespace in the file is never evicted', async () => {
    const other = open({ namespace: 'other' });
    for (let i = 0; i < 20; i++) await other.set(`o${i}`, bytes(5));
    const limited = open({ namespace: 'limited', maxEntries: 5 });
    for (let i = 0; i < 20; i++) await limited.set(`l${i}`, bytes(5));
    expect(await liveKeys(limited)).toHaveLength(5);
    expect(await liveKeys(other)).toHaveLength(20);
  });

  it('the counters stay exact through overwrite, delete, batch, expiry, purge and clear', async () => {
    const backend = open({ maxEntries: 1000, purgeIntervalMs: 0 });
    const check = () =>
      expect(counters(backend.database, 'default')).toEqual(counted(backend.database, 'default'));
    for (let i = 0; i < 40; i++) await backend.set(`k${i}`, bytes(i));
    check();
    for (let i = 0; i < 40; i += 3)
      await backend.set(`k${i}`, bytes(200 - i), i % 2 ? 10 : undefined);
    check();
    await backend.deleteMany(['k1', 'k2', 'missing']);
    await backend.delete('k5');
    check();
    await backend.setMany([
      { key: 'k1', value: bytes(3) },
      { key: 'b1', value: bytes(30), ttlMs: 5 },
    ]);
    check();
    await sleep(20);
    expect(await backend.purgeExpired()).toBeGreaterThan(0);
    check();
    await backend.clear();
    check();
    expect(counters(backend.database, 'default')).toEqual([0, 0]);
  });

  it('writes within the limits read one counter row; eviction walks an index, not the table', () => {
    const backend = open({ maxEntries: 10 });
    const plan = (sql: string) =>
      (backend.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((row) => row.detail)
        .join(' | ');
    expect(plan('SELECT entries, bytes FROM cachestack_stats WHERE namespace = 1')).toMatch(
      /SEARCH cachestack_stats USING INDEX/,
    );
    const eviction = plan(
      `SELECT rowid, size FROM cachestack_entries WHERE namespace = 'n' AND key != 'k'
       ORDER BY accessed_at, rowid LIMIT 10`,
    );
    expect(eviction).toMatch(/cachestack_entries_access/);
    expect(eviction).not.toMatch(/SCAN cachestack_entries(?! USING)/);
    expect(eviction).not.toMatch(/TEMP B-TREE/);
    const purge = plan(
      `SELECT rowid FROM cachestack_entries WHERE namespace = 'n' AND expires_at <= 5 LIMIT 10`,
    );
    expect(purge).toMatch(/cachestack_entries_expiry/);
  });

  it('purgeExpired() deletes expired entries and expired locks of its namespace only', async () => {
    const backend = open({ purgeIntervalMs: 0 });
    const other = open({ namespace: 'other', purgeIntervalMs: 0 });
    await backend.set('gone', bytes(5), 5);
    await other.set('gone-too', bytes(5), 5);
    await backend.acquireLock('stale', { ttlMs: 5 });
    const held = await backend.acquireLock('held', { ttlMs: 60_000 });
    await sleep(20);
    expect(await backend.purgeExpired()).toBe(1);
    const lockNames = backend.database
      .prepare('SELECT name FROM cachestack_locks WHERE namespace = ?')
      .pluck()
      .all('default');
    expect(lockNames).toEqual(['held']);
    expect(counted(backend.database, 'other')[0]).toBe(1);
    await held?.release();
  });

  it('expired rows are reclaimed by the purge timer', async () => {
    const backend = open({ purgeIntervalMs: 25 });
    for (let i = 0; i < 10; i++) await backend.set(`t${i}`, bytes(10), 10);
    await backend.set('forever', bytes(10));
    const deadline = Date.now() + 5000;
    while (counted(backend.database, 'default')[0] > 1 && Date.now() < deadline) await sleep(20);
    expect(counted(backend.database, 'default')[0]).toBe(1);
    expect((await backend.healthCheck()).details).toMatchObject({ lastPurgeError: undefined });
  });
});
