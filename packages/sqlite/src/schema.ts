import { prepareFilePath } from '@cachestack/core';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { ResolvedSqliteOptions } from './options.js';

/**
 * Version of the tables below; stored in `cachestack_meta`. Version 2 added
 * `cachestack_entries.checksum` (CRC-32 of the value); a version-1 file is
 * migrated at open, and its rows keep a `NULL` checksum (not verified) until
 * they are written again (see `prepareSchema`).
 */
export const SCHEMA_VERSION = 2;

/**
 * Keeps a namespace's byte total when a rewrite changes an entry's size.
 * The `WHEN` skips the trigger's statement for rewrites of the same size
 * (most of them); files created before it had the trigger without `WHEN`
 * and get this one at open (see `prepareSchema`).
 */
export const SIZE_TRIGGER_SQL = `CREATE TRIGGER IF NOT EXISTS cachestack_entries_update
  AFTER UPDATE OF size ON cachestack_entries WHEN OLD.size <> NEW.size
BEGIN
  UPDATE cachestack_stats SET bytes = bytes - OLD.size + NEW.size
    WHERE namespace = NEW.namespace;
END`;

/**
 * The entries table, named `name` (the layout upgrade builds it under
 * another name first). `value` is the last column: a row whose value spills
 * into overflow pages keeps every other column in its b-tree cell, so the
 * expiry filter, the upsert's conflict check, the triggers' `OLD.size` and
 * eviction never walk the value's overflow chain. `checksum` has no type,
 * hence no affinity: better-sqlite3 binds numbers as doubles, so each CRC-32
 * is stored as an 8-byte REAL, where an INTEGER column stores it in 1 to 6
 * bytes by magnitude. A row rewritten with new bytes of the same length then
 * keeps its size, and SQLite overwrites it in place (only its changed pages)
 * instead of freeing and reallocating its overflow pages (two more pages per
 * commit). Files created before had `value` third and an INTEGER checksum
 * and get this layout at open (see `prepareSchema`).
 */
export const ENTRIES_TABLE_SQL = (name: string): string => `CREATE TABLE IF NOT EXISTS ${name} (
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  expires_at INTEGER,
  accessed_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  checksum,
  value BLOB NOT NULL,
  PRIMARY KEY (namespace, key)
)`;

/** The expiry (purge) and access (eviction) indexes of `cachestack_entries`. */
export const ENTRIES_INDEXES_SQL = `CREATE INDEX IF NOT EXISTS cachestack_entries_expiry
  ON cachestack_entries (namespace, expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS cachestack_entries_access
  ON cachestack_entries (namespace, accessed_at)`;

/** The triggers that keep `cachestack_stats` exact on every write of `cachestack_entries`. */
export const ENTRIES_TRIGGERS_SQL = `CREATE TRIGGER IF NOT EXISTS cachestack_entries_insert AFTER INSERT ON cachestack_entries
BEGIN
  INSERT INTO cachestack_stats (namespace, entries, bytes) VALUES (NEW.namespace, 1, NEW.size)
    ON CONFLICT (namespace) DO UPDATE SET entries = entries + 1, bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER IF NOT EXISTS cachestack_entries_delete AFTER DELETE ON cachestack_entries
BEGIN
  UPDATE cachestack_stats SET entries = entries - 1, bytes = bytes - OLD.size
    WHERE namespace = OLD.namespace;
END;
${SIZE_TRIGGER_SQL}`;

/**
 * The tables the backend keeps, shared by every namespace in the file.
 * `cachestack_stats` holds each namespace's entry count and byte total,
 * kept exact by triggers in the same transaction as every write, so limits
 * are checked with one primary-key read instead of a table scan.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS cachestack_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
${ENTRIES_TABLE_SQL('cachestack_entries')};
${ENTRIES_INDEXES_SQL};
CREATE TABLE IF NOT EXISTS cachestack_stats (
  namespace TEXT PRIMARY KEY,
  entries INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);
${ENTRIES_TRIGGERS_SQL};
CREATE TABLE IF NOT EXISTS cachestack_locks (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  token TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, name)
);
CREATE TABLE IF NOT EXISTS cachestack_lock_fences (
  namespace TEXT PRIMARY KEY,
  fence INTEGER NOT NULL
);
`;

/** Opens the database file named by `options.path` and applies the pragmas. */
export function openDatabase(options: ResolvedSqliteOptions): Database {
  const path = options.path as string;
  const inMemory = path === ':memory:' || path.startsWith('file::memory:');
  if (!inMemory) prepareFilePath(path, { what: 'the database path' });
  const db = new BetterSqlite3(path, { timeout: options.busyTimeoutMs });
  try {
    // Reading the journal mode reads the header: a non-database file fails here.
    if (options.wal && !inMemory) db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The schema version stored in `cachestack_meta`, or `undefined` when there are no tables yet. */
export function readSchemaVersion(db: Database): number | undefined {
  const table = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'cachestack_meta'")
    .pluck()
    .get();
  if (table === undefined) return undefined;
  const value = db
    .prepare("SELECT value FROM cachestack_meta WHERE name = 'schema_version'")
    .pluck()
    .get();
  return value === undefined ? undefined : Number(value);
}
