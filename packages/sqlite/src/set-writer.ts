import { crc32 } from 'node:zlib';
import { logSafely } from '@cachestack/core';
import type { AccessTracker } from './access-tracker.js';
import type { ResolvedSqliteOptions } from './options.js';
import type { SqliteStatements } from './statements.js';

/** `set`s over which {@link SetWriter}'s rates of unchanged rows and new keys are averaged. */
const RATE_WINDOW = 8;

/** With limits: above this rate of new keys, a `set` goes straight to the write transaction. */
const INSERT_FIRST_ABOVE = 0.5;

/** What one `set` found: its entry already stored, another entry under its key, or no row. */
type SetOutcome = 'unchanged' | 'replaced' | 'inserted';

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
 * follows the recent `set`s: see {@link SetWriter.#unchangedRate}. With
 * limits, while most recent `set`s stored new keys, a `set` starts with the
 * write transaction (see {@link SetWriter.#insertRate}).
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
  /**
   * With limits, how often recent `set`s stored a new key (a moving average
   * like {@link SetWriter.#unchangedRate}). A new key needs the write
   * transaction anyway; trying a rewrite and reading the row first cost two
   * statements outside it (each its own read transaction), so while most
   * recent `set`s were new keys a `set` starts with the transaction.
   */
  #insertRate = 0;

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
    let outcome: SetOutcome;
    if (this.#access !== undefined && this.#insertRate > INSERT_FIRST_ABOVE) {
      outcome = this.#storeInTransaction(key, value, size, checksum, expiresAt, now);
    } else if (this.#unchangedRate > this.#readFirstAbove) {
      outcome = this.#storeReadFirst(key, value, size, checksum, expiresAt, now);
    } else {
      outcome = this.#storeWriteFirst(key, value, size, checksum, expiresAt, now);
    }
    const unchanged = outcome === 'unchanged' ? 1 : 0;
    this.#unchangedRate += (unchanged - this.#unchangedRate) / RATE_WINDOW;
    const inserted = outcome === 'inserted' ? 1 : 0;
    this.#insertRate += (inserted - this.#insertRate) / RATE_WINDOW;
    if (this.#access?.due(now)) this.#flushAfterSet();
  }

  /**
   * Writes `key` unless its row already holds the same entry, with one
   * statement when it can.
   * @returns what it found (without limits, `'replaced'` for any write).
   */
  #storeWriteFirst(
    key: string,
    value: Uint8Array,
    size: number,
    checksum: number,
    expiresAt: number | null,
    now: number,
  ): SetOutcome {
    if (this.#access === undefined) {
      const ns = this.#namespace;
      const upsert = this.#statements.upsert;
      // The upsert's DO UPDATE ... WHERE skips an unchanged row: 0 changes.
      const changes = upsert.run(ns, key, value, checksum, expiresAt, now, size).changes;
      if (changes === 0) return 'unchanged';
      this.#table.countWrite(now);
      return 'replaced';
    }
    if (!this.#rewrite(key, value, size, checksum, expiresAt, now)) {
      // A new key, a larger value or an unchanged row: the read tells which.
      return this.#storeReadFirst(key, value, size, checksum, expiresAt, now);
    }
    this.#table.countWrite(now);
    return 'replaced';
  }

  /**
   * With limits: writes `key` in the write transaction with the limit check
   * and eviction, noting the access of a row it replaces.
   * @returns whether it replaced a row or inserted one (an unchanged row
   *   counts as replaced).
   */
  #storeInTransaction(
    key: string,
    value: Uint8Array,
    size: number,
    checksum: number,
    expiresAt: number | null,
    now: number,
  ): SetOutcome {
    const table = this.#table;
    return table.write((txNow) => {
      const accessedAt = this.#statements.storedAccess.get(this.#namespace, key) as
        | number
        | undefined;
      if (accessedAt !== undefined) this.#access?.record(key, accessedAt, now);
      table.putRow(key, value, size, checksum, expiresAt, now, false);
      table.enforceLimits(key, txNow);
      return accessedAt === undefined ? 'inserted' : 'replaced';
    });
  }

  /**
   * Reads the stored row of `key` first: nothing to write when it holds the
   * same entry; otherwise writes it.
   * @returns what it found (without limits, `'replaced'` for any write).
   */
  #storeReadFirst(
    key: string,
    value: Uint8Array,
    size: number,
    checksum: number,
    expiresAt: number | null,
    now: number,
  ): SetOutcome {
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
    if (stored?.[2] === 1) {
      access?.record(key, stored[0], now);
      return 'unchanged';
    }
    if (access === undefined) {
      this.#statements.upsert.run(ns, key, value, checksum, expiresAt, now, size);
    } else if (
      stored === undefined ||
      stored[1] === 0 ||
      !this.#rewrite(key, value, size, checksum, expiresAt, now)
    ) {
      if (stored !== undefined) access.record(key, stored[0], now);
      table.write((txNow) => {
        // Its access was noted above (a row that appeared meanwhile is new enough).
        table.putRow(key, value, size, checksum, expiresAt, now, false);
        table.enforceLimits(key, txNow);
      });
      return stored === undefined ? 'inserted' : 'replaced';
    }
    table.countWrite(now);
    return 'replaced';
  }

  /**
   * Replaces the existing row of `key` when it is at least `size` bytes and
   * does not already hold this entry (see `SqliteStatements.rewrite`), and
   * notes the access with the row's stored access time (nothing to note
   * when it is recent).
   * @returns true when it replaced it.
   */
  #rewrite(
    key: string,
    value: Uint8Array,
    size: number,
    checksum: number,
    expiresAt: number | null,
    now: number,
  ): boolean {
    const accessedAt = this.#statements.rewrite.get(
      value,
      checksum,
      expiresAt,
      size,
      this.#namespace,
      key,
      size,
      checksum,
      value,
      expiresAt,
    ) as number | undefined;
    if (accessedAt === undefined) return false;
    this.#access?.record(key, accessedAt, now);
    return true;
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
