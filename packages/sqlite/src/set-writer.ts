import { crc32 } from 'node:zlib';
import { logSafely } from '@cachestack/core';
import type { AccessTracker } from './access-tracker.js';
import type { ResolvedSqliteOptions } from './options.js';
import type { SqliteStatements } from './statements.js';

/** `set`s over which {@link SetWriter}'s rate of unchanged rows is averaged. */
const RATE_WINDOW = 8;

/** What {@link SetWriter} needs from the entry table. */
export interface SetTarget {
  /** Runs `work` in an IMMEDIATE write transaction. */
  write<T>(work: (now: number) => T): T;
  /** Evicts entries other than `keepKey` until the limits hold (inside `write`). */
  enforceLimits(keepKey: string, now: number): void;
  /** Counts a write made outside `write` (lazy purge of expired rows). */
  countWrite(now: number): void;
  /** Bytes `key` and `value` count for `maxBytes`; throws VALUE_TOO_LARGE when over it. */
  checkedSize(key: string, value: Uint8Array, operation: 'set'): number;
  /** Inserts or replaces the row (inside `write`). */
  putRow(
    key: string,
    value: Uint8Array,
    size: number,
    checksum: number,
    expiresAt: number | null,
    now: number,
    noteAccess: boolean,
  ): void;
  /** Writes the pending access times now. */
  flushAccesses(): void;
}

/**
 * The `set` path of one namespace: nothing is written when the row already
 * holds the same bytes, checksum and expiry. Without limits, a write is one
 * upsert statement, atomic on its own (its counter trigger included) and
 * committed by SQLite's autocommit, which takes the write lock at the
 * statement's start and waits for it like `BEGIN IMMEDIATE`. With limits, a
 * rewrite that does not grow the entry is one autocommit `UPDATE` (the
 * totals cannot grow); a new key or a larger value runs in a write
 * transaction with the limit check and eviction.
 *
 * Whether the row is read first (a read costs less than a write that
 * changes nothing) or written first (one statement when the bytes are new)
 * follows the recent `set`s: see {@link SetWriter.#unchangedRate}.
 */
export class SetWriter {
  readonly #statements: SqliteStatements;
  readonly #namespace: string;
  readonly #options: ResolvedSqliteOptions;
  /** Where rewrites are noted for eviction; `undefined` without limits. */
  readonly #access: AccessTracker | undefined;
  readonly #table: SetTarget;
  /**
   * How often recent `set`s found their entry already stored (a moving
   * average over about the last {@link RATE_WINDOW}). Rewriting the same
   * bytes is cheapest as one read (no write), new bytes as one write (no
   * read first); a wrong bet costs one more statement, so a `set` reads
   * first only while most recent ones were unchanged.
   */
  #unchangedRate = 0;
  /** Above this {@link SetWriter.#unchangedRate}, a `set` reads first. */
  readonly #readFirstAbove: number;

  constructor(
    statements: SqliteStatements,
    options: ResolvedSqliteOptions,
    access: AccessTracker | undefined,
    table: SetTarget,
  ) {
    this.#statements = statements;
    this.#namespace = options.namespace;
    this.#options = options;
    this.#access = access;
    this.#table = table;
    // An unchanged row costs a write-first set a no-op upsert without limits
    // (about 1.4 reads), and a no-op UPDATE plus the read with them.
    this.#readFirstAbove = access === undefined ? 0.7 : 0.5;
  }

  /** Stores one entry for `set` (inputs validated), expiring `ttlMs` ms from now or never. */
  store(key: string, value: Uint8Array, ttlMs: number | undefined): void {
    const size = this.#table.checkedSize(key, value, 'set');
    const checksum = crc32(value);
    const now = Date.now();
    const expiresAt = ttlMs === undefined ? null : now + ttlMs;
    const unchanged =
      this.#unchangedRate > this.#readFirstAbove
        ? this.#storeReadFirst(key, value, size, checksum, expiresAt, now)
        : this.#storeWriteFirst(key, value, size, checksum, expiresAt, now);
    this.#unchangedRate += ((unchanged ? 1 : 0) - this.#unchangedRate) / RATE_WINDOW;
    if (this.#access?.due(now)) this.#flushAfterSet();
  }

  /**
   * Writes `key` unless its row already holds the same entry, with one
   * statement when it can.
   * @returns true when the row was unchanged (nothing written).
   */
  #storeWriteFirst(
    key: string,
    value: Uint8Array,
    size: number,
    checksum: number,
    expiresAt: number | null,
    now: number,
  ): boolean {
    const access = this.#access;
    if (access === undefined) {
      const ns = this.#namespace;
      const upsert = this.#statements.upsert;
      // The upsert's DO UPDATE ... WHERE skips an unchanged row: 0 changes.
      if (upsert.run(ns, key, value, checksum, expiresAt, now, size).changes === 0) return true;
      this.#table.countWrite(now);
      return false;
    }
    if (!this.#rewrite(key, value, size, checksum, expiresAt)) {
      // A new key, a larger value or an unchanged row: the read tells which.
      return this.#storeReadFirst(key, value, size, checksum, expiresAt, now);
    }
    // The stored access time is unknown here: the batched write checks it.
    access.record(key, Number.NEGATIVE_INFINITY, now);
    this.#table.countWrite(now);
    return false;
  }

  /**
   * Reads the stored row of `key` first: nothing to write when it holds the
   * same entry; otherwise writes it.
   * @returns true when the row was unchanged (nothing written).
   */
  #storeReadFirst(
    key: string,
    value: Uint8Array,
    size: number,
    checksum: number,
    expiresAt: number | null,
    now: number,
  ): boolean {
    const ns = this.#namespace;
    const access = this.#access;
    const table = this.#table;
    const stored = this.#statements.storedState.get(
      size,
      checksum,
      size,
      value,
      expiresAt,
      ns,
      key,
    ) as [accessedAt: number, fits: number, unchanged: number] | undefined;
    if (stored !== undefined) {
      access?.record(key, stored[0], now);
      if (stored[2] === 1) return true;
    }
    if (access === undefined) {
      this.#statements.upsert.run(ns, key, value, checksum, expiresAt, now, size);
    } else if (
      stored === undefined ||
      stored[1] === 0 ||
      !this.#rewrite(key, value, size, checksum, expiresAt)
    ) {
      table.write((txNow) => {
        // Its access was noted above (a row that appeared meanwhile is new enough).
        table.putRow(key, value, size, checksum, expiresAt, now, false);
        table.enforceLimits(key, txNow);
      });
      return false;
    }
    table.countWrite(now);
    return false;
  }

  /**
   * Replaces the existing row of `key` when it is at least `size` bytes and
   * does not already hold this entry (see `SqliteStatements.rewrite`).
   * @returns true when it replaced it.
   */
  #rewrite(
    key: string,
    value: Uint8Array,
    size: number,
    checksum: number,
    expiresAt: number | null,
  ): boolean {
    const ns = this.#namespace;
    return (
      this.#statements.rewrite.run(
        value,
        checksum,
        expiresAt,
        size,
        ns,
        key,
        size,
        checksum,
        value,
        expiresAt,
      ).changes > 0
    );
  }

  /**
   * Writes the pending access times once they are due, after a `set` that
   * needed no transaction of its own (rewrites only would otherwise leave
   * them to the purge timer). The `set` has succeeded by then: a failure
   * here is logged, and the times are written by a later write.
   */
  #flushAfterSet(): void {
    try {
      this.#table.flushAccesses();
    } catch (error) {
      logSafely(
        this.#options.logger,
        'debug',
        { backendType: 'sqlite', namespace: this.#namespace, error },
        'could not write pending access times yet',
      );
    }
  }
}
