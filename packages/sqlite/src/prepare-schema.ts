import { BackendError, BackendErrorCode, BackendErrorType } from '@cachestack/core';
import type { Database } from 'better-sqlite3';
import type { ResolvedSqliteOptions } from './options.js';
import {
  ENTRIES_INDEXES_SQL,
  ENTRIES_TABLE_SQL,
  ENTRIES_TRIGGERS_SQL,
  readSchemaVersion,
  SCHEMA_SQL,
  SCHEMA_VERSION,
  SIZE_TRIGGER_SQL,
} from './schema.js';

/** What {@link prepareSchema} changed in an existing file, in words, for the log. */
export type SchemaMigration = string;

/**
 * Called when an optional upgrade of an older file could not be written (a
 * read-only file, a full disk, another process holding the write lock past
 * the busy timeout): the backend works with the older layout, which has the
 * same columns. `upgrade` names it, for the log.
 */
export type UpgradeFailed = (upgrade: SchemaMigration, error: unknown) => void;

function corrupt(message: string, cause?: unknown): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.CORRUPT,
    message,
    operation: 'open',
    cause,
  });
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

/**
 * True when `cachestack_entries` has the current layout (see
 * `ENTRIES_TABLE_SQL`): `value` last, `checksum` without a type.
 */
function currentLayout(db: Database): boolean {
  const columns = db
    .prepare("SELECT name, type FROM pragma_table_info('cachestack_entries') ORDER BY cid")
    .raw()
    .all() as [name: string, type: string][];
  const checksum = columns.find(([name]) => name === 'checksum');
  return columns.at(-1)?.[0] === 'value' && checksum?.[1] === '';
}

/**
 * Rebuilds a `cachestack_entries` of an older layout (files created
 * before: `value` third, an INTEGER `checksum`) with the current one, in
 * one IMMEDIATE transaction that checks the layout again (another process
 * may have rebuilt it meanwhile): a new table gets every row, the old one is
 * dropped (with its indexes and triggers, which fire no trigger) and the
 * new one takes its name, indexes and triggers. Rows (rowids aside; each
 * checksum now a REAL of the same value) and the namespaces' totals stay
 * as they were. A crash before the commit
 * leaves the old table whole. Statements other connections prepared are
 * prepared again by SQLite on their next run: they name columns, never
 * positions, so processes of the previous release keep working on the
 * rebuilt table.
 * @returns true when this call rebuilt the table.
 */
function upgradeEntriesLayout(db: Database): boolean {
  if (currentLayout(db)) return false;
  const rebuilt = 'cachestack_entries_rebuilt';
  const columns = 'namespace, key, expires_at, accessed_at, size, checksum, value';
  return db
    .transaction(() => {
      if (currentLayout(db)) return false;
      db.exec(`DROP TABLE IF EXISTS ${rebuilt};
        ${ENTRIES_TABLE_SQL(rebuilt)};
        INSERT INTO ${rebuilt} (${columns})
          SELECT namespace, key, expires_at, accessed_at, size, CAST(checksum AS REAL), value
          FROM cachestack_entries ORDER BY namespace, key;
        DROP TABLE cachestack_entries;
        ALTER TABLE ${rebuilt} RENAME TO cachestack_entries;
        ${ENTRIES_INDEXES_SQL};
        ${ENTRIES_TRIGGERS_SQL};`);
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

/**
 * Upgrades of an older file that change no column, so that processes of
 * the previous release keep working on the upgraded file: each is optional
 * (when it cannot be written, the backend works with what the file has).
 * The value-last rebuild comes first: it also installs the current
 * triggers.
 */
const OPTIONAL_UPGRADES: readonly [SchemaMigration, (db: Database) => boolean][] = [
  [
    'entries table rebuilt with the value as its last column and an untyped checksum (large values: fewer overflow-page reads and writes)',
    upgradeEntriesLayout,
  ],
  ['byte-total trigger now skips rewrites of the same size', upgradeSizeTrigger],
];

/**
 * Checks the file (see {@link ResolvedSqliteOptions.openCheck}), creates
 * the tables when they are missing (in one IMMEDIATE transaction, so that
 * processes opening the same new file at once do not race), migrates
 * tables of an older version and applies the optional upgrades (see
 * {@link OPTIONAL_UPGRADES}), each in its own IMMEDIATE transaction.
 * @param onUpgradeFailed - called when an optional upgrade could not be
 *   written: the backend works with the older layout.
 * @returns the migrations this call applied (empty for a current file).
 */
export function prepareSchema(
  db: Database,
  options: ResolvedSqliteOptions,
  onUpgradeFailed: UpgradeFailed = () => {},
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
  for (const [upgrade, apply] of OPTIONAL_UPGRADES) {
    try {
      if (apply(db)) migrations.push(upgrade);
    } catch (error) {
      onUpgradeFailed(upgrade, error);
    }
  }
  return migrations;
}
