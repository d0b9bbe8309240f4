import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { killHard, memoryLogger } from '@cachestack/test-support';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from '../src/index.js';
import { entryColumns, writePreviousLayout } from './fixtures/previous-layout.mjs';
import { fixture, runFixture, tempDirPerTest, valueFor } from './helpers.js';

const VALUE_LAST = ['namespace', 'key', 'expires_at', 'accessed_at', 'size', 'checksum', 'value'];
const VALUE_THIRD = ['namespace', 'key', 'value', 'expires_at', 'accessed_at', 'size', 'checksum'];

/** `count` entries `key-<i>` of namespace `ns` (1–4 KiB, valueFor) and a few in namespace `other`. */
function previousEntries(count: number): [string, string, Buffer, number | null][] {
  const entries: [string, string, Buffer, number | null][] = [];
  for (let i = 0; i < count; i++) entries.push(['ns', `key-${i}`, valueFor(`key-${i}`), null]);
  entries.push(['other', 'big', Buffer.alloc(10_240, 3), Date.now() + 3_600_000]);
  entries.push(['other', 'expired', Buffer.from('gone'), Date.now() - 1000]);
  return entries;
}

/** Everything the migration must keep: rows (rowids aside), counters, and a clean file. */
function fileState(path: string): { rows: unknown[]; stats: unknown[]; integrity: unknown } {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return {
      rows: db
        .prepare(
          `SELECT namespace, key, hex(value), expires_at, accessed_at, size, checksum
           FROM cachestack_entries ORDER BY namespace, key`,
        )
        .raw()
        .all(),
      stats: db.prepare('SELECT * FROM cachestack_stats ORDER BY namespace').raw().all(),
      integrity: db.pragma('integrity_check', { simple: true }),
    };
  } finally {
    db.close();
  }
}

function columnsOf(path: string): string[] {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return entryColumns(db);
  } finally {
    db.close();
  }
}

describe('the layout of cachestack_entries: value last, checksum stored in 8 bytes', () => {
  const dir = tempDirPerTest();

  it('a new file has value as the last column of cachestack_entries', async () => {
    const backend = new SqliteBackend({ path: dir.file('new.db') });
    try {
      expect(entryColumns(backend.database)).toEqual(VALUE_LAST);
    } finally {
      await backend.close();
    }
  });

  it('a file of the previous layout is rebuilt at open: every row, checksum, expiry and total kept; logged once', async () => {
    const path = dir.file('previous.db');
    writePreviousLayout(path, previousEntries(200));
    expect(columnsOf(path)).toEqual(VALUE_THIRD);
    const before = fileState(path);

    const logger = memoryLogger();
    const backend = new SqliteBackend({ path, namespace: 'ns', logger, maxEntries: 1000 });
    try {
      expect(entryColumns(backend.database)).toEqual(VALUE_LAST);
      expect(logger.lines.filter((line) => line.level === 'info')).toEqual([
        expect.objectContaining({
          message: 'migrated the cachestack tables',
          fields: expect.objectContaining({
            migration: expect.stringMatching(/value as its last/),
          }),
        }),
      ]);
      expect(fileState(path)).toEqual(before);
      const types = backend.database
        .prepare('SELECT DISTINCT typeof(checksum) FROM cachestack_entries')
        .pluck()
        .all();
      expect(types).toEqual(['real']);
      const schema = backend.database
        .prepare(
          "SELECT name FROM sqlite_schema WHERE tbl_name = 'cachestack_entries' ORDER BY name",
        )
        .pluck()
        .all();
      expect(schema).toEqual([
        'cachestack_entries',
        'cachestack_entries_access',
        'cachestack_entries_delete',
        'cachestack_entries_expiry',
        'cachestack_entries_insert',
        'cachestack_entries_update',
        'sqlite_autoindex_cachestack_entries_1',
      ]);
      for (let i = 0; i < 200; i++) {
        expect(await backend.get(`key-${i}`)).toEqual(valueFor(`key-${i}`));
      }
      // The triggers work on the rebuilt table: totals stay exact.
      await backend.set('key-0', Buffer.alloc(10));
      await backend.delete('key-1');
      await backend.set('fresh', Buffer.alloc(5));
      const sizes = backend.database
        .prepare("SELECT count(*), sum(size) FROM cachestack_entries WHERE namespace = 'ns'")
        .raw()
        .get();
      const { entries, bytes } = (await backend.healthCheck()).details;
      expect([entries, bytes]).toEqual(sizes);
      const other = new SqliteBackend({ path, namespace: 'other' });
      expect(await other.get('big')).toEqual(Buffer.alloc(10_240, 3));
      expect(await other.get('expired')).toBeUndefined();
      expect(await other.getTtl('big')).toBeGreaterThan(3_500_000);
      await other.close();
    } finally {
      await backend.close();
    }
    const again = memoryLogger();
    await new SqliteBackend({ path, logger: again }).close();
    expect(again.lines).toEqual([]);
  });

  it('another connection with statements prepared on the previous layout keeps working after the rebuild', async () => {
    const path = dir.file('shared.db');
    writePreviousLayout(path, previousEntries(20));
    const previous = new BetterSqlite3(path);
    // The previous release's statements name columns, never positions.
    const read = previous
      .prepare('SELECT value, checksum FROM cachestack_entries WHERE namespace = ? AND key = ?')
      .raw();
    const upsert = previous.prepare(
      `INSERT INTO cachestack_entries (namespace, key, value, checksum, expires_at, accessed_at, size)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,
         checksum = excluded.checksum, expires_at = excluded.expires_at, size = excluded.size`,
    );
    expect(read.get('ns', 'key-3')).toEqual([valueFor('key-3'), crc32(valueFor('key-3'))]);

    const backend = new SqliteBackend({ path, namespace: 'ns' });
    try {
      expect(entryColumns(backend.database)).toEqual(VALUE_LAST);
      expect(read.get('ns', 'key-3')).toEqual([valueFor('key-3'), crc32(valueFor('key-3'))]);
      const bytes = Buffer.from('from the previous release');
      upsert.run('ns', 'key-4', bytes, crc32(bytes), null, Date.now(), 5 + bytes.length);
      upsert.run('ns', 'added', bytes, crc32(bytes), null, Date.now(), 5 + bytes.length);
      expect(await backend.get('key-4')).toEqual(bytes);
      expect(await backend.get('added')).toEqual(bytes);
      expect((await backend.healthCheck()).details).toMatchObject({ entries: 21 });
    } finally {
      await backend.close();
      previous.close();
    }
  });

  it('a file it cannot write keeps the previous layout and works (logged at warn)', async () => {
    const path = dir.file('readonly.db');
    writePreviousLayout(path, previousEntries(20));
    const database = new BetterSqlite3(path, { readonly: true });
    const logger = memoryLogger();
    const backend = new SqliteBackend({ database, namespace: 'ns', logger });
    try {
      expect(entryColumns(database)).toEqual(VALUE_THIRD);
      expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/could not upgrade the cachestack tables/),
          fields: expect.objectContaining({ upgrade: expect.stringMatching(/value as its last/) }),
        }),
      ]);
      expect(await backend.get('key-7')).toEqual(valueFor('key-7'));
    } finally {
      await backend.close();
      database.close();
    }
  });

  it('4 processes opening a previous-layout file at once: one rebuilds it, every read right, totals exact', async () => {
    const path = dir.file('race.db');
    const count = 300;
    writePreviousLayout(path, previousEntries(count));
    const processes = 4;
    const runs = await Promise.all(
      Array.from({ length: processes }, (_, id) =>
        runFixture('open-migrating.mjs', [path, String(id), String(count)], { timeoutMs: 60_000 }),
      ),
    );
    const migrations: string[] = [];
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code, run.stdout).toBe(0);
      const summary = JSON.parse(run.stdout) as { migrations: string[]; wrong: number };
      expect(summary.wrong).toBe(0);
      migrations.push(...summary.migrations);
    }
    expect(migrations).toEqual([expect.stringMatching(/value as its last/)]);
    expect(columnsOf(path)).toEqual(VALUE_LAST);
    const state = fileState(path);
    expect(state.integrity).toBe('ok');
    const backend = new SqliteBackend({ path, namespace: 'ns' });
    try {
      expect((await backend.healthCheck()).details).toMatchObject({
        entries: count * (processes + 1),
      });
      for (let id = 0; id < processes; id++) {
        for (let i = 0; i < count; i += 37) {
          const key = `own-${id}-${i}`;
          expect(await backend.get(key), key).toEqual(valueFor(key));
        }
      }
    } finally {
      await backend.close();
    }
  }, 90_000);

  it('kill -9 in the middle of the rebuild leaves the previous layout whole; the next open rebuilds it', async () => {
    const path = dir.file('crash.db');
    // About 40 MB to copy: the rebuild spills pages into the WAL long before it commits.
    const entries: [string, string, Buffer, number | null][] = [];
    for (let i = 0; i < 4000; i++) entries.push(['ns', `key-${i}`, Buffer.alloc(10_240, i), null]);
    writePreviousLayout(path, entries);
    const before = fileState(path);

    const child = spawn(process.execPath, [fixture('open-only.mjs'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let said = '';
    child.stdout.on('data', (chunk: Buffer) => {
      said += chunk.toString();
    });
    const walBytes = (): number => {
      try {
        return statSync(`${path}-wal`).size;
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 30_000;
    while (walBytes() < 4_000_000 && child.exitCode === null && Date.now() < deadline) {
      await sleep(1);
    }
    await killHard(child);
    // Killed while copying: it never opened.
    expect(said).toBe('');

    expect(columnsOf(path)).toEqual(VALUE_THIRD);
    expect(fileState(path)).toEqual(before);
    const backend = new SqliteBackend({ path, namespace: 'ns' });
    try {
      expect(entryColumns(backend.database)).toEqual(VALUE_LAST);
      expect(await backend.get('key-3999')).toEqual(Buffer.alloc(10_240, 3999));
      expect((await backend.healthCheck()).details).toMatchObject({ entries: 4000 });
    } finally {
      await backend.close();
    }
    expect(fileState(path)).toEqual(before);
  }, 90_000);
});
