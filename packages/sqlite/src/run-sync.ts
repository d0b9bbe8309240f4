import { type OperationTimeouts, type TimeoutOperation, timeoutError } from '@cachestack/core';
import type { Database } from 'better-sqlite3';
import { primarySqliteCode, toSqliteBackendError } from './sqlite-errors.js';

/**
 * Runs one synchronous better-sqlite3 operation under the time limit that
 * applies to `operation` (see {@link OperationTimeouts.limitFor}) and turns
 * any failure into a classified `BackendError`.
 *
 * A synchronous call cannot be interrupted, so a limit is honoured the two
 * ways open to it: it caps SQLite's busy wait for another connection's lock
 * (`PRAGMA busy_timeout`, restored afterwards), and a busy failure under a
 * capped wait is a TIMEOUT; an operation that still ran longer than the
 * limit (a huge write, a long scan) fails with TIMEOUT once it returns, its
 * outcome unknown to the caller, as for every TIMEOUT (unless
 * `lateIsTimeout` is false).
 */
export function runSync<T>(
  db: Database,
  timeouts: OperationTimeouts,
  operation: string,
  key: string | undefined,
  work: () => T,
  lateIsTimeout = true,
): T {
  const limit = timeouts.limitFor(operation as TimeoutOperation);
  if (limit === undefined) {
    try {
      return work();
    } catch (error) {
      throw toSqliteBackendError(error, operation, key);
    }
  }
  const started = performance.now();
  let busyTimeout = 0;
  let capped = false;
  let result: T;
  try {
    busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
    capped = limit < busyTimeout;
    if (capped) db.pragma(`busy_timeout = ${Math.ceil(limit)}`);
    result = work();
  } catch (error) {
    if (capped && primarySqliteCode(error) === 'SQLITE_BUSY') {
      throw timeoutError(operation, limit, key);
    }
    throw toSqliteBackendError(error, operation, key);
  } finally {
    if (capped && db.open) db.pragma(`busy_timeout = ${busyTimeout}`);
  }
  if (lateIsTimeout && performance.now() - started > limit)
    throw timeoutError(operation, limit, key);
  return result;
}
