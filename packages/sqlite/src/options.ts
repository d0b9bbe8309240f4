import {
  assertKnownOptions,
  type Logger,
  resolveLogger,
  resolveTimeoutsOption,
  type TimeoutDefaults,
} from '@cachestack/core';
import type { Database } from 'better-sqlite3';

/** The `synchronous` pragma values {@link SqliteBackendOptions.synchronous} accepts. */
export type SqliteSynchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';

/** Which entries {@link SqliteBackendOptions.maxEntries} / `maxBytes` evict first. */
export type SqliteEvictionPolicy = 'lru' | 'oldest';

/** How much of the database file is checked when the backend opens it. */
export type SqliteOpenCheck = 'schema' | 'quick' | 'full';

/** Options for {@link SqliteBackend}. Give exactly one of `path` and `database`. */
export interface SqliteBackendOptions {
  /**
   * Database file to open (created with its parent directories when missing),
   * or `':memory:'` for a private in-memory database. The backend owns a
   * database it opened and closes it in `close()`.
   */
  path?: string;
  /**
   * An open better-sqlite3 `Database` owned by the caller. The backend adds
   * its tables to it, leaves its pragmas (journal mode, synchronous, busy
   * timeout) as the caller set them, and leaves it open in `close()`.
   */
  database?: Database;
  /**
   * Name that separates this backend's entries and locks from other
   * backends on the same file: `get`, `keys` and `clear` see only it.
   * Any non-empty string of at most 256 characters.
   * @default 'default'
   */
  namespace?: string;
  /**
   * How long, in ms, a statement waits for another connection's write lock
   * before failing with a TRANSIENT error (`PRAGMA busy_timeout`). Applies
   * only to a database the backend opens itself.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * `PRAGMA synchronous` for a database the backend opens itself. With WAL,
   * `NORMAL` never corrupts the file but may lose the last transactions on
   * power loss or OS crash (not on a process crash); `FULL` syncs every
   * commit.
   * @default 'NORMAL'
   */
  synchronous?: SqliteSynchronous;
  /**
   * Use WAL journal mode (readers never block the writer) for a database the
   * backend opens itself. In-memory databases ignore it.
   * @default true
   */
  wal?: boolean;
  /**
   * Check run when the backend opens the database: `'schema'` reads the
   * schema (catches non-database files and a damaged header), `'quick'` adds
   * `PRAGMA quick_check` and `'full'` `PRAGMA integrity_check` (both read
   * the whole file). A failing check throws PERMANENT `CORRUPT`.
   * @default 'schema'
   */
  openCheck?: SqliteOpenCheck;
  /**
   * Largest number of live entries in this namespace; writes beyond it
   * evict entries (see {@link SqliteBackendOptions.eviction}).
   * @default undefined (no limit)
   */
  maxEntries?: number;
  /**
   * Largest total size of this namespace's keys (UTF-8) and values, in bytes;
   * writes beyond it evict entries.
   * @default undefined (no limit)
   */
  maxBytes?: number;
  /**
   * Largest value in bytes; larger values reject with PERMANENT
   * `VALUE_TOO_LARGE`. Never more than `maxBytes`.
   * @default 536870912 (512 MiB; SQLite's own limit is 10^9 bytes)
   */
  maxValueBytes?: number;
  /**
   * What limits evict first: `'lru'` the least recently read or written
   * entry (reads record their time at most once per
   * {@link SqliteBackendOptions.accessResolutionMs}), `'oldest'` the least
   * recently written entry (reads never write; a rewrite also records its
   * time at most once per `accessResolutionMs`).
   * @default 'lru'
   */
  eviction?: SqliteEvictionPolicy;
  /**
   * With a limit, a read (`'lru'`) or a rewrite of an existing key updates
   * the entry's last-access time only when the stored one is at least this
   * old, in ms; such updates are remembered and written together once the
   * oldest is this old (and before any eviction). Smaller is more exact
   * eviction order; larger makes fewer access-index writes.
   * @default 1000
   */
  accessResolutionMs?: number;
  /**
   * How often expired entries and locks of this namespace are deleted in the
   * background, in ms; 0 turns the timer off (expired entries are still
   * invisible and are reclaimed by writes). The timer never keeps the process
   * alive.
   * @default 60000
   */
  purgeIntervalMs?: number;
  /**
   * Default time limits per operation kind, in ms (see `withTimeout`), e.g.
   * `{ "*": 2000 }`.
   * @default {} (no limits)
   */
  timeouts?: TimeoutDefaults;
  /**
   * Where the backend reports what it handled on its own: damaged values
   * dropped (checksum mismatch, `warn`), schema migrations at open
   * (`info`), a full disk freed by a WAL checkpoint (`warn`), background
   * purges that failed (`warn`). A pino-compatible logger
   * (`debug/info/warn/error(fields, message)`); fields name keys and the
   * namespace, never values.
   * @default a silent logger
   */
  logger?: Logger;
}

/** {@link SqliteBackendOptions} after validation. */
export interface ResolvedSqliteOptions {
  path: string | undefined;
  database: Database | undefined;
  namespace: string;
  busyTimeoutMs: number;
  synchronous: SqliteSynchronous;
  wal: boolean;
  openCheck: SqliteOpenCheck;
  maxEntries: number | undefined;
  maxBytes: number | undefined;
  maxValueBytes: number;
  eviction: SqliteEvictionPolicy;
  accessResolutionMs: number;
  purgeIntervalMs: number;
  timeouts: TimeoutDefaults;
  logger: Logger;
}

/** Default largest value, in bytes (512 MiB). */
export const DEFAULT_MAX_VALUE_BYTES = 512 * 1024 * 1024;

/** Every option name of {@link SqliteBackendOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  path: true,
  database: true,
  namespace: true,
  busyTimeoutMs: true,
  synchronous: true,
  wal: true,
  openCheck: true,
  maxEntries: true,
  maxBytes: true,
  maxValueBytes: true,
  eviction: true,
  accessResolutionMs: true,
  purgeIntervalMs: true,
  timeouts: true,
  logger: true,
} satisfies Record<keyof SqliteBackendOptions, true>);

function fail(option: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  throw new TypeError(`SqliteBackend: option "${option}" must be ${expected}, got ${shown}`);
}

function integer(
  options: Record<string, unknown>,
  name: string,
  min: number,
  fallback: number | undefined,
): number | undefined {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(name, `a whole number >= ${min}`, value);
  }
  return value;
}

function oneOf<T extends string>(
  options: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

function isDatabase(value: unknown): value is Database {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.prepare === 'function' && typeof record.transaction === 'function';
}

/**
 * Validates {@link SqliteBackendOptions} and fills in defaults. Throws a
 * `TypeError` naming the first bad option.
 */
export function resolveSqliteOptions(input: SqliteBackendOptions): ResolvedSqliteOptions {
  if (typeof input !== 'object' || input === null) fail('options', 'an object', input);
  assertKnownOptions(input, OPTION_NAMES, 'SqliteBackend');
  const options = input as Record<string, unknown>;
  const { path, database, namespace = 'default', wal = true } = input;
  if (path !== undefined && (typeof path !== 'string' || path.length === 0)) {
    fail('path', 'a non-empty string', path);
  }
  if (database !== undefined && !isDatabase(database)) {
    fail('database', 'a better-sqlite3 Database', database);
  }
  if ((path === undefined) === (database === undefined)) {
    throw new TypeError('SqliteBackend: give exactly one of the options "path" and "database"');
  }
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 256) {
    fail('namespace', 'a non-empty string of at most 256 characters', namespace);
  }
  if (typeof wal !== 'boolean') fail('wal', 'a boolean', wal);
  const timeouts = resolveTimeoutsOption(input.timeouts, 'SqliteBackend');
  const logger = resolveLogger(input.logger, 'SqliteBackend: option "logger"');
  const maxBytes = integer(options, 'maxBytes', 1, undefined);
  const maxValueBytes = Math.min(
    integer(options, 'maxValueBytes', 0, DEFAULT_MAX_VALUE_BYTES) as number,
    maxBytes ?? Number.POSITIVE_INFINITY,
  );
  return {
    path,
    database,
    namespace,
    busyTimeoutMs: integer(options, 'busyTimeoutMs', 0, 5000) as number,
    synchronous: oneOf(options, 'synchronous', ['OFF', 'NORMAL', 'FULL', 'EXTRA'], 'NORMAL'),
    wal,
    openCheck: oneOf(options, 'openCheck', ['schema', 'quick', 'full'], 'schema'),
    maxEntries: integer(options, 'maxEntries', 1, undefined),
    maxBytes,
    maxValueBytes,
    eviction: oneOf(options, 'eviction', ['lru', 'oldest'], 'lru'),
    accessResolutionMs: integer(options, 'accessResolutionMs', 0, 1000) as number,
    purgeIntervalMs: integer(options, 'purgeIntervalMs', 0, 60_000) as number,
    timeouts,
    logger,
  };
}
