export {
  DEFAULT_MAX_VALUE_BYTES,
  type SqliteBackendOptions,
  type SqliteEvictionPolicy,
  type SqliteOpenCheck,
  type SqliteSynchronous,
} from './options.js';
export { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
export { SqliteBackend } from './sqlite-backend.js';
export {
  classifySqliteError,
  primarySqliteCode,
  SQLITE_ERROR_CLASSIFICATIONS,
  toSqliteBackendError,
} from './sqlite-errors.js';
