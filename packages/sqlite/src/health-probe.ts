import type { Database } from 'better-sqlite3';
import type { SqliteStatements } from './statements.js';

/**
 * Pages of bytes a health check commits: more than a `set` of a small
 * value under a new key writes, b-tree splits of the table and its indexes
 * included.
 */
export const HEALTH_PROBE_PAGES = 16;

/**
 * The health check's write: the time of the check, and
 * {@link HEALTH_PROBE_PAGES} pages of fresh random bytes in the
 * `health_probe` row of `cachestack_meta` (rewritten in place), so its
 * commit appends as many pages to the WAL as a `set` of a new key that
 * splits pages would. A one-row write alone fits in WAL space that a failed
 * write left behind, and succeeds on a disk the cache itself filled where a
 * new key no longer does.
 */
export class HealthProbe {
  readonly #db: Database;
  readonly #statements: SqliteStatements;
  /** Bytes the probe rewrites: {@link HEALTH_PROBE_PAGES} pages of the file's page size. */
  #bytes: number | undefined;

  constructor(db: Database, statements: SqliteStatements) {
    this.#db = db;
    this.#statements = statements;
  }

  /** Writes the probe at `now` (epoch ms). Call inside a write transaction. */
  commit(now: number): void {
    this.#statements.healthProbe.run({ now });
    this.#bytes ??= HEALTH_PROBE_PAGES * (this.#db.pragma('page_size', { simple: true }) as number);
    this.#statements.healthReserve.run({ bytes: this.#bytes });
  }
}
