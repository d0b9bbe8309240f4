import {
  type BackendError,
  BackendErrorCode,
  BackendErrorType,
  type ErrorClassification,
  toBackendError,
} from '@cachestack/core';

/**
 * How SQLite result codes (the `code` of a better-sqlite3 `SqliteError`,
 * matched on the primary code, so `SQLITE_BUSY_SNAPSHOT` counts as
 * `SQLITE_BUSY`) map onto cachestack errors.
 */
export const SQLITE_ERROR_CLASSIFICATIONS: Readonly<Record<string, ErrorClassification>> = {
  SQLITE_BUSY: {
    type: BackendErrorType.TRANSIENT,
    code: BackendErrorCode.UNAVAILABLE,
    hint: 'the database stayed locked by another connection for longer than the busy timeout',
  },
  SQLITE_LOCKED: {
    type: BackendErrorType.TRANSIENT,
    code: BackendErrorCode.UNAVAILABLE,
    hint: 'a table is locked by another statement on the same connection',
  },
  SQLITE_PROTOCOL: {
    type: BackendErrorType.TRANSIENT,
    code: BackendErrorCode.UNAVAILABLE,
    hint: 'WAL lock protocol race between processes',
  },
  SQLITE_READONLY: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.ACCESS_DENIED,
    hint: 'the database is read-only: check the mode of the file, its -wal and -shm files and its directory',
  },
  SQLITE_CANTOPEN: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.ACCESS_DENIED,
    hint: 'the database file cannot be opened: check that it and its directory exist and are readable and writable',
  },
  SQLITE_PERM: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.ACCESS_DENIED,
    hint: 'access permission denied',
  },
  SQLITE_AUTH: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.ACCESS_DENIED,
    hint: 'statement denied by the authorizer',
  },
  SQLITE_FULL: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.NO_SPACE,
    hint: 'the disk is full or the database reached its maximum size',
  },
  SQLITE_CORRUPT: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.CORRUPT,
    hint: 'the database file is corrupt: delete it (a cache can be rebuilt)',
  },
  SQLITE_NOTADB: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.CORRUPT,
    hint: 'the file is not a SQLite database (or its header is corrupt)',
  },
  SQLITE_TOOBIG: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.VALUE_TOO_LARGE,
    hint: "the value is larger than SQLite's limit",
  },
  SQLITE_IOERR: {
    type: BackendErrorType.PERMANENT,
    code: 'IO_ERROR',
    hint: 'disk input/output error',
  },
};

const CLOSED_BY_OWNER: ErrorClassification = {
  type: BackendErrorType.PERMANENT,
  code: BackendErrorCode.CLOSED,
  hint: 'the better-sqlite3 Database was closed by its owner',
};

const MISSING_DIRECTORY: ErrorClassification = {
  type: BackendErrorType.PERMANENT,
  code: BackendErrorCode.ACCESS_DENIED,
  hint: 'the directory of the database file does not exist',
};

const NOT_A_DIRECTORY: ErrorClassification = {
  type: BackendErrorType.PERMANENT,
  code: BackendErrorCode.ACCESS_DENIED,
  hint: 'a parent of the database path is a file, not a directory',
};

const UNCREATABLE_DIRECTORY: ErrorClassification = {
  type: BackendErrorType.PERMANENT,
  code: BackendErrorCode.INVALID_PATH,
  hint: 'the directory of the database file cannot be created here',
};

/** The primary SQLite result code (`SQLITE_BUSY` for `SQLITE_BUSY_SNAPSHOT`), if any. */
export function primarySqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const second = code.indexOf('_', 'SQLITE_'.length);
  return second === -1 ? code : code.slice(0, second);
}

/** Classifies a better-sqlite3 failure; `undefined` when it is not one. */
export function classifySqliteError(error: unknown): ErrorClassification | undefined {
  const primary = primarySqliteCode(error);
  if (primary !== undefined) return SQLITE_ERROR_CLASSIFICATIONS[primary];
  if (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'ENOTDIR'
  ) {
    return NOT_A_DIRECTORY;
  }
  if (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown; syscall?: unknown }).code === 'ENOENT' &&
    (error as { syscall?: unknown }).syscall === 'mkdir'
  ) {
    return UNCREATABLE_DIRECTORY;
  }
  if (error instanceof TypeError) {
    if (error.message.includes('connection is not open')) return CLOSED_BY_OWNER;
    if (error.message.includes('directory does not exist')) return MISSING_DIRECTORY;
  }
  return undefined;
}

/** Wraps any failure of a SQLite operation in a classified {@link BackendError}. */
export function toSqliteBackendError(
  error: unknown,
  operation: string,
  key?: string,
): BackendError {
  return toBackendError(error, operation, key, classifySqliteError);
}
