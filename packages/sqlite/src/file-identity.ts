import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BackendError, BackendErrorCode, BackendErrorType } from '@cachestack/core';
import type { Database } from 'better-sqlite3';

/**
 * The device and inode of a database file when the backend opened it, so
 * that `healthCheck()` can tell when the file was deleted (a cleanup job's
 * `rm -rf`) or replaced while open. SQLite keeps working on the file it has
 * open, so nothing else fails: this process would read and write a file no
 * other process sees (and share no locks with them), and lose it at close.
 */
export class DatabaseFileIdentity {
  readonly #path: string | undefined;
  readonly #dev: number = 0;
  readonly #ino: number = 0;

  /** Records the identity of `db`'s file; in-memory and temporary databases have none. */
  constructor(db: Database) {
    const name = db.name;
    if (db.memory || name === '' || name === ':memory:' || name.startsWith('file:')) return;
    const stats = statSync(name, { throwIfNoEntry: false });
    if (stats === undefined) return;
    this.#path = resolve(name);
    this.#dev = stats.dev;
    this.#ino = stats.ino;
  }

  /**
   * Throws a PERMANENT `INVALID_PATH` {@link BackendError} when the file at
   * the path is gone or is another file than the one the backend opened.
   * One `stat` call.
   */
  check(operation: string): void {
    if (this.#path === undefined) return;
    const stats = statSync(this.#path, { throwIfNoEntry: false });
    if (stats !== undefined && stats.dev === this.#dev && stats.ino === this.#ino) return;
    throw new BackendError({
      type: BackendErrorType.PERMANENT,
      code: BackendErrorCode.INVALID_PATH,
      message: `the database file ${this.#path} was ${stats === undefined ? 'deleted' : 'replaced'} while open: this backend now works on a file no other process sees; close it and open a new one`,
      operation,
    });
  }
}
