import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backendsPerTest } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of iterable) keys.push(key);
  return keys;
}

describe('SqliteBackend specifics', () => {
  const tests = backendsPerTest();
  const { open } = tests;

  it('opens files in WAL mode with synchronous NORMAL by default, as configured otherwise', () => {
    const backend = open();
    expect(backend.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(backend.database.pragma('synchronous', { simple: true })).toBe(1);
    expect(backend.database.pragma('busy_timeout', { simple: true })).toBe(5000);
    const full = open({ synchronous: 'FULL', busyTimeoutMs: 250 });
    expect(full.database.pragma('synchronous', { simple: true })).toBe(2);
    expect(full.database.pragma('busy_timeout', { simple: true })).toBe(250);
  });

  it('leaves the pragmas of a Database passed in as they were', () => {
    const database = new BetterSqlite3(tests.dir.file('mine.db'));
    database.pragma('synchronous = FULL');
    const backend = open({ path: undefined, database });
    expect(database.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(database.pragma('synchronous', { simple: true })).toBe(2);
    expect(backend.database).toBe(database);
    database.close();
  });

  it(':memory: works, and each backend on it has its own database', async () => {
    const a = open({ path: ':memory:' });
    const b = open({ path: ':memory:' });
    await a.set('k', Buffer.from('a'));
    expect(await b.get('k')).toBeUndefined();
    expect(await a.get('k')).toEqual(Buffer.from('a'));
  });

  it('namespaces in one file never see each other; clear() empties only its own', async () => {
    const one = open({ namespace: 'one' });
    const two = open({ namespace: 'two' });
    await one.set('shared-name', Buffer.from('1'));
    await two.set('shared-name', Buffer.from('2'));
    await two.set('only-two', Buffer.from('2'));
    expect(await one.get('shared-name')).toEqual(Buffer.from('1'));
    expect(await one.exists('only-two')).toBe(false);
    expect(await collect(one.keys())).toEqual(['shared-name']);
    await one.clear();
    expect(await one.get('shared-name')).toBeUndefined();
    expect(await collect(two.keys())).toEqual(['only-two', 'shared-name']);
    expect(await one.delete('only-two')).toBe(false);
    expect(await two.exists('only-two')).toBe(true);
  });

  it('locks are per namespace and apart from data keys', async () => {
    const one = open({ namespace: 'one' });
    const two = open({ namespace: 'two' });
    await one.set('job', Buffer.from('data'));
    const lock = await one.acquireLock('job', { ttlMs: 5000 });
    expect(lock).toBeDefined();
    expect(await one.get('job')).toEqual(Buffer.from('data'));
    expect(await one.acquireLock('job', { ttlMs: 5000 })).toBeUndefined();
    const elsewhere = await two.acquireLock('job', { ttlMs: 5000 });
    expect(elsewhere).toBeDefined();
    await one.clear();
    expect(await one.acquireLock('job', { ttlMs: 5000 })).toBeUndefined();
    expect(await lock?.release()).toBe(true);
    expect(await elsewhere?.release()).toBe(true);
  });

  it('fencing tokens grow with every acquisition, across instances on the file', async () => {
    const a = open({ namespace: 'fence' });
    const b = open({ namespace: 'fence' });
    const fences: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (const backend of [a, b]) {
        const lock = await backend.acquireLock(`name-${i}`, { ttlMs: 1000 });
        fences.push(lock?.fencingToken ?? -1);
        await lock?.release();
      }
    }
    expect(fences).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keys(prefix) finds exactly the keys with that prefix, whatever their characters', async () => {
    const backend = open();
    const keys = [
      'a',
      'a%',
      'a%b',
      'a_b',
      'ab',
      'a\u{10FFFF}',
      'a\u{10FFFF}z',
      'a\u{10FFFF}\u{10FFFF}',
      'a\0x',
      'b',
      '%',
      '😀/x',
      'A',
    ];
    for (const key of keys) await backend.set(key, Buffer.from(key));
    const sorted = (list: string[]) => [...list].sort();
    expect(sorted(await collect(backend.keys()))).toEqual(sorted(keys));
    for (const prefix of ['a', 'a%', 'a_', 'a\u{10FFFF}', '%', '😀', 'A', 'c', 'a\0']) {
      expect(sorted(await collect(backend.keys(prefix))), prefix).toEqual(
        sorted(keys.filter((key) => key.startsWith(prefix))),
      );
    }
  });

  it('keys() pages through many keys and skips expired ones', async () => {
    const backend = open();
    const entries = Array.from({ length: 700 }, (_, i) => ({
      key: `k${String(i).padStart(4, '0')}`,
      value: Buffer.from([i % 256]),
      ttlMs: i % 3 === 0 ? 15 : undefined,
    }));
    await backend.setMany(entries);
    await sleep(30);
    const keys = await collect(backend.keys('k'));
    expect(keys).toEqual(entries.filter((_, i) => i % 3 !== 0).map((entry) => entry.key));
  });

  it('keys() rejects a prefix that is not a well-formed string', async () => {
    const backend = open();
    await expect(collect(backend.keys('\uD800'))).rejects.toMatchObject({
      type: 'PERMANENT',
      code: 'INVALID_ARGUMENT',
    });
  });

  it('withTimeout on acquireLock: waiting longer than the limit → TIMEOUT near the limit', async () => {
    const backend = open();
    const held = await backend.acquireLock('busy', { ttlMs: 10_000 });
    const started = performance.now();
    await expect(
      backend.withTimeout('acquireLock', 150, () =>
        backend.acquireLock('busy', { ttlMs: 1000, waitMs: 5000 }),
      ),
    ).rejects.toMatchObject({ type: 'TIMEOUT', operation: 'acquireLock', key: 'busy' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1500);
    // A shorter wait inside the limit is an ordinary miss.
    expect(
      await backend.withTimeout('acquireLock', 150, () =>
        backend.acquireLock('busy', { ttlMs: 1000, waitMs: 20 }),
      ),
    ).toBeUndefined();
    await held?.release();
  });

  it('a value read back never aliases the stored bytes or the caller input', async () => {
    const backend = open();
    const input = Buffer.from('abc');
    await backend.set('k', input);
    input[0] = 0x7a;
    const first = (await backend.get('k')) as Uint8Array;
    first[1] = 0x7a;
    expect(await backend.get('k')).toEqual(Buffer.from('abc'));
  });

  it('TTLs above 2^31-1 ms are stored as absolute epoch ms and reported back', async () => {
    const backend = open();
    const ttl = 2 ** 31 + 1000;
    await backend.set('long', Buffer.from('v'), ttl);
    const remaining = (await backend.getTtl('long')) as number;
    expect(remaining).toBeGreaterThan(ttl - 1000);
    expect(remaining).toBeLessThanOrEqual(ttl);
    const stored = backend.database
      .prepare("SELECT expires_at FROM cachestack_entries WHERE key = 'long'")
      .pluck()
      .get() as number;
    expect(Math.abs(stored - (Date.now() + ttl))).toBeLessThan(1000);
  });

  it('healthCheck reports counters and limits', async () => {
    const backend = open({ namespace: 'h', maxEntries: 100 });
    await backend.set('a', Buffer.from('12345'));
    const health = await backend.healthCheck();
    expect(health).toMatchObject({ healthy: true, backendType: 'sqlite' });
    expect(health.details).toMatchObject({ namespace: 'h', entries: 1, bytes: 6, maxEntries: 100 });
  });
});
