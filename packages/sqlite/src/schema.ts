import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  prepareFilePath,
} from '@cachestack/core';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { ResolvedSqliteOptions } from './options.js';

/**
 * Version of the tables below; stored in `cachestack_meta`. Version 2 added
 * `cachestack_entries.checksum` (CRC-32 of the value); a version-1 file is
 * migrated at open, and its rows keep a `NULL` checksum (not verified) until
 * they are written again.
 */
export const SCHEMA_VERSION = 2;

/**
 * Keeps a namespace's byte total when a rewrite changes an entry's size.
 * The `WHEN` skips the trigger's statement for rewrites of the same size
 * (most of them); files created before it had the trigger without `WHEN`
 * and get this one at open (see {@link prepareSchema}).
 */
const SIZE_TRIGGER_SQL = `CREATE TRIGGER IF NOT EXISTS cachestack_entries_update
  AFTER UPDATE OF size ON cachestack_entries WHEN OLD.size <> NEW.size
BEGIN
  UPDATE cachestack_stats SET bytes = bytes - OLD.size + NEW.size
    WHERE namespace = NEW.namespace;
END`;

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
CREATE TABLE IF NOT EXISTS cachestack_entries (
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  expires_at INTEGER,
  accessed_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  checksum INTEGER,
  PRIMARY KEY (namespace, key)
);
CREATE INDEX IF NOT EXISTS cachestack_entries_expiry
  ON cachestack_entries (namespace, expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS cachestack_entries_access
  ON cachestack_entries (namespace, accessed_at);
CREATE TABLE IF NOT EXISTS cachestack_stats (
  namespace TEXT PRIMARY KEY,
  entries INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS cachestack_entries_insert AFTER INSERT ON cachestack_entries
BEGIN
  INSERT INTO cachestack_stats (namespace, entries, bytes) VALUES (NEW.namespace, 1, NEW.size)
    ON CONFLICT (namespace) DO UPDATE SET entries = entries + 1, bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER IF NOT EXISTS cachestack_entries_delete AFTER DELETE ON cachestack_entries
BEGIN
  UPDATE cachestack_stats SET entries = entries - 1, bytes = bytes - OLD.size
    WHERE namespace = OLD.namespace;
END;
${SIZE_TRIGGER_SQL};
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

function corrupt(message: string, cause?: unknown): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.CORRUPT,
    message,
    operation: 'open',
    cause,
  });
}

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

function readSchemaVersion(db: Database): number | undefined {
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

/**
 * Adds the `checksum` column to a version-1 file, in one IMMEDIATE
 * transaction that reads the version again (another process may have
 * migrated it meanwhile). Existing rows keep `NULL`: not verified.
 * @returns true when this call migrated the file.
 */
function migrateFromVersion1(db: Database): boolean {
  return db
    .transaction(() => {
      if (readSchemaVersion(db) !== 1) return false;
      db.exec('ALTER TABLE cachestack_entries ADD COLUMN checksum INTEGER');
      db.prepare("UPDATE cachestack_meta SET value = ? WHERE name = 'schema_version'").run(
        String(SCHEMA_VERSION),
      );
      return true;
    })
    .immediate();
}

function sizeTriggerSql(db: Database): string | undefined {
  return db
    .prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?")
    .pluck()
    .get('cachestack_entries_update') as string | undefined;
}

/**
 * Replaces a byte-total trigger without `WHEN OLD.size <> NEW.size` (files
 * created before it) in one IMMEDIATE transaction. Both versions keep the
 * same totals, so processes of either version can share the file.
 * @returns true when this call replaced it.
 */
function upgradeSizeTrigger(db: Database): boolean {
  const current = (): boolean => sizeTriggerSql(db)?.includes('WHEN OLD.size <> NEW.size') ?? true;
  if (current()) return false;
  return db
    .transaction(() => {
      if (current()) return false;
      db.exec(`DROP TRIGGER cachestack_entries_update; ${SIZE_TRIGGER_SQL}`);
      return true;
    })
    .immediate();
}

/** What {@link prepareSchema} changed in an existing file, in words, for the log. */
export type SchemaMigration = string;

/**
 * Checks the file (see {@link ResolvedSqliteOptions.openCheck}), creates
 * the tables when they are missing (in one IMMEDIATE transaction, so that
 * processes opening the same new file at once do not race) and migrates
 * tables of an older version.
 * @param onUpgradeFailed - called when the optional trigger upgrade could
 *   not be written (a read-only file): the backend works with the old one.
 * @returns the migrations this call applied (empty for a current file).
 */
export function prepareSchema(
  db: Database,
  options: ResolvedSqliteOptions,
  onUpgradeFailed: (error: unknown) => void = () => {},
): SchemaMigration[] {
  const migrations: SchemaMigration[] = [];
  let version = readSchemaVersion(db);
  if (options.openCheck !== 'schema') {
    const pragma = options.openCheck === 'quick' ? 'quick_check' : 'integrity_check';
    const problems = db.prepare(`PRAGMA ${pragma}(20)`).pluck().all() as string[];
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw corrupt(`PRAGMA ${pragma} found problems: ${problems.slice(0, 5).join('; ')}`);
    }
  }
  if (version === undefined) {
    db.transaction(() => {
      db.exec(SCHEMA_SQL);
      db.prepare(
        "INSERT INTO cachestack_meta (name, value) VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
      ).run(String(SCHEMA_VERSION));
    }).immediate();
    version = readSchemaVersion(db);
  }
  if (version === 1) {
    if (migrateFromVersion1(db)) migrations.push('schema version 1 → 2: added the checksum column');
    version = readSchemaVersion(db);
  }
  if (version !== SCHEMA_VERSION) {
    throw new BackendError({
      type: BackendErrorType.PERMANENT,
      code: 'SCHEMA_VERSION',
      message: `the cachestack tables have schema version ${String(version)}; this package reads version ${SCHEMA_VERSION}`,
      operation: 'open',
    });
  }
  try {
    if (upgradeSizeTrigger(db)) {
      migrations.push('byte-total trigger now skips rewrites of the same size');
    }
  } catch (error) {
    onUpgradeFailed(error);
  }
  return migrations;
}
