import { logSafely } from '@cachestack/core';
import type { Database } from 'better-sqlite3';
import { DatabaseFileIdentity } from './file-identity.js';
import type { ResolvedSqliteOptions } from './options.js';
import { prepareSchema } from './prepare-schema.js';
import { openDatabase } from './schema.js';
import { toSqliteBackendError } from './sqlite-errors.js';
import { prepareStatements, type SqliteStatements } from './statements.js';

/** A database ready for a backend: tables current, statements prepared. */
export interface OpenedDatabase {
  /** The connection: opened from `path`, or the `database` passed in. */
  db: Database;
  /** Every statement the backend runs. */
  statements: SqliteStatements;
  /** The file's identity, for the health check. */
  file: DatabaseFileIdentity;
}

/**
 * Opens the database file of `options.path` (or adopts `options.database`),
 * checks it, creates or migrates the tables (each migration logged at
 * `info`) and prepares the statements. A database it opened is closed again
 * when a step fails.
 * @throws BackendError classified (`CORRUPT`, `ACCESS_DENIED`, ...).
 */
export function openBackendDatabase(options: ResolvedSqliteOptions): OpenedDatabase {
  const { logger } = options;
  const owned = options.database === undefined;
  let db: Database | undefined = options.database;
  try {
    db ??= openDatabase(options);
    const migrations = prepareSchema(db, options, (upgrade, error) =>
      logSafely(
        logger,
        'warn',
        { backendType: 'sqlite', upgrade, error },
        'could not upgrade the cachestack tables (read-only file, full disk or locked?); the older layout keeps working',
      ),
    );
    for (const migration of migrations) {
      logSafely(
        logger,
        'info',
        { backendType: 'sqlite', path: db.name, migration },
        'migrated the cachestack tables',
      );
    }
    return { db, statements: prepareStatements(db), file: new DatabaseFileIdentity(db) };
  } catch (error) {
    if (owned) db?.close();
    throw toSqliteBackendError(error, 'open');
  }
}
