import { crc32 } from 'node:zlib';
import { BackendError, BackendErrorCode, BackendErrorType, logSafely } from '@cachestack/core';
import type { Database, Transaction } from 'better-sqlite3';
import { AccessTracker } from './access-tracker.js';
import { CheckedReads } from './checked-reads.js';
import { enforceLimits } from './eviction.js';
import type { ResolvedSqliteOptions } from './options.js';
import { SetWriter } from './set-writer.js';
import { primarySqliteCode } from './sqlite-errors.js';
import { PAGE_ROWS, type SqliteStatements } from './statements.js';

/** Every this many writes, a write also deletes a page of expired entries. */
const LAZY_PURGE_EVERY = 128;

/** Most pages of expired entries one purge deletes (one transaction each). */
const PURGE_PAGES = 64;

/**
 * One namespace's rows in `cachestack_entries`: value reads (see
 * {@link CheckedReads}), writes in IMMEDIATE transactions, limits, and
 * reclaiming of expired rows. Synchronous; inputs are already validated,
 * errors are native (the backend classifies them).
 */
export class EntryTable {
  /** Reads of values, checked against their CRC-32. */
  readonly reads: CheckedReads;
  /** The `set` path: which statements store one entry. */
  readonly sets: SetWriter;
  readonly #db: Database;
  readonly #statements: SqliteStatements;
  readonly #namespace: string;
  readonly #options: ResolvedSqliteOptions;
  /** Accesses waiting to be written (with a limit only: nothing is tracked without one). */
  readonly #access: AccessTracker | undefined;
  readonly #transaction: Transaction<(work: () => unknown) => unknown>;
  #writes = 0;

  constructor(db: Database, statements: SqliteStatements, options: ResolvedSqliteOptions) {
    this.#db = db;
    this.#statements = statements;
    this.#namespace = options.namespace;
    this.#options = options;
    this.#transaction = db.transaction((work: () => unknown) => work());
    const limited = options.maxEntries !== undefined || options.maxBytes !== undefined;
    if (limited) {
      this.#access = new AccessTracker(statements, options.namespace, options.accessResolutionMs);
    }
    const readAccess = options.eviction === 'lru' ? this.#access : undefined;
    this.reads = new CheckedReads(statements, options, readAccess, this);
    this.sets = new SetWriter(statements, options, this.#access, this);
  }

  /** Number of reads whose access time is not written yet. */
  get pendingAccesses(): number {
    return this.#access?.pending ?? 0;
  }

  /**
   * Runs `work` in an IMMEDIATE transaction (the write lock is taken up
   * front, so it never fails half-way on a lock upgrade), after writing
   * pending access times when they are due (see {@link AccessTracker});
   * every {@link LAZY_PURGE_EVERY} writes it also deletes a page of expired
   * entries.
   */
  write<T>(work: (now: number) => T): T {
    return this.#transaction.immediate(() => {
      const now = Date.now();
      const access = this.#access;
      if (access?.due(now)) access.flush();
      const result = work(now);
      this.countWrite(now);
      return result;
    }) as T;
  }

  /** Writes the pending access times now (purge timer, `close()`). */
  flushAccesses(): void {
    if (this.pendingAccesses > 0) this.write(() => this.#access?.flush());
  }

  /**
   * Counts a write made outside {@link EntryTable.write}; every
   * {@link LAZY_PURGE_EVERY} writes, deletes a page of expired entries.
   */
  countWrite(now: number): void {
    if (++this.#writes % LAZY_PURGE_EVERY === 0) {
      this.#statements.purgeExpired.run({ ns: this.#namespace, now });
    }
  }

  /**
   * Runs a write that frees space (a delete or clear) like
   * {@link EntryTable.write}; when it fails because the disk is full, it
   * checkpoints the WAL into the database and truncates it (which frees the
   * WAL's space when the database file already holds those pages), then
   * tries once more.
   */
  writeFreeingSpace<T>(work: (now: number) => T): T {
    try {
      return this.write(work);
    } catch (error) {
      if (primarySqliteCode(error) !== 'SQLITE_FULL' || this.#db.inTransaction) throw error;
      try {
        this.#db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // The checkpoint needs space too when the WAL holds pages beyond the file's end.
        throw error;
      }
      logSafely(
        this.#options.logger,
        'warn',
        { backendType: 'sqlite', namespace: this.#namespace },
        'disk full: checkpointed and truncated the WAL to free space, trying the write again',
      );
      return this.write(work);
    }
  }

  /** Runs `work` in one read transaction (one consistent snapshot). */
  snapshot<T>(work: () => T): T {
    return this.#transaction.deferred(work) as T;
  }

  /** True when `key` is live at `now`. */
  exists(key: string, now: number): boolean {
    return this.#statements.exists.get({ ns: this.#namespace, key, now }) !== undefined;
  }

  /** Remaining ms of a live `key`: `Infinity` without expiry, `undefined` when not live. */
  remainingTtl(key: string, now: number): number | undefined {
    const expiresAt = this.#statements.getExpiry.get({ ns: this.#namespace, key, now }) as
      | number
      | null
      | undefined;
    if (expiresAt === undefined) return undefined;
    return expiresAt === null ? Number.POSITIVE_INFINITY : expiresAt - now;
  }

  /** Makes a live `key` expire `ttlMs` after `now`. Call inside {@link EntryTable.write}. */
  refresh(key: string, ttlMs: number, now: number): boolean {
    const params = { ns: this.#namespace, key, now, expiresAt: now + ttlMs };
    return this.#statements.refresh.run(params).changes > 0;
  }

  /**
   * Up to {@link PAGE_ROWS} live keys in byte order: from `from` (inclusive)
   * when `after` is `undefined`, else after `after`.
   */
  keyPage(from: string, after: string | undefined, now: number): string[] {
    const ns = this.#namespace;
    return (
      after === undefined
        ? this.#statements.keysFrom.all({ ns, from, now })
        : this.#statements.keysAfter.all({ ns, after, now })
    ) as string[];
  }

  /**
   * Inserts or replaces `key` for `setMany`. A new row's `accessed_at` is
   * `now`; a replaced row keeps its own, and with a limit the rewrite is
   * noted as an access (written in batches, see {@link AccessTracker}), so a
   * rewrite does not move its entry in the access index each time. Call
   * inside {@link EntryTable.write}.
   */
  put(
    key: string,
    value: Uint8Array,
    ttlMs: number | undefined,
    now: number,
    operation: 'set' | 'setMany',
  ): void {
    const size = this.checkedSize(key, value, operation);
    const expiresAt = ttlMs === undefined ? null : now + ttlMs;
    this.putRow(key, value, size, crc32(value), expiresAt, now, true);
  }

  /**
   * Inserts or replaces the row of `key` with these columns, noting a
   * replaced row's access when `noteAccess` (see {@link EntryTable.put}).
   * Call inside {@link EntryTable.write}.
   */
  putRow(
    key: string,
    value: Uint8Array,
    size: number,
    checksum: number,
    expiresAt: number | null,
    now: number,
    noteAccess: boolean,
  ): void {
    const access = this.#access;
    if (noteAccess && access !== undefined) {
      const accessedAt = this.#statements.storedAccess.get(this.#namespace, key) as
        | number
        | undefined;
      if (accessedAt !== undefined) access.record(key, accessedAt, now);
    }
    this.#statements.upsert.run(this.#namespace, key, value, checksum, expiresAt, now, size);
  }

  /** Bytes `key` and `value` count for `maxBytes`; VALUE_TOO_LARGE when over it. */
  checkedSize(key: string, value: Uint8Array, operation: 'set' | 'setMany'): number {
    const size = Buffer.byteLength(key, 'utf8') + value.byteLength;
    const maxBytes = this.#options.maxBytes;
    if (maxBytes !== undefined && size > maxBytes) {
      throw new BackendError({
        type: BackendErrorType.PERMANENT,
        code: BackendErrorCode.VALUE_TOO_LARGE,
        message: `key and value take ${size} bytes; maxBytes is ${maxBytes}`,
        operation,
        key,
      });
    }
    return size;
  }

  /** Deletes `key`; true when it was live. Call inside {@link EntryTable.write}. */
  remove(key: string, now: number): boolean {
    const expiresAt = this.#statements.delete.get({ ns: this.#namespace, key }) as
      | number
      | null
      | undefined;
    return expiresAt === null || (expiresAt !== undefined && expiresAt > now);
  }

  /** Deletes every entry of the namespace. Call inside {@link EntryTable.write}. */
  clear(): void {
    this.#access?.forget();
    this.#statements.clear.run({ ns: this.#namespace });
  }

  /** Evicts entries other than `keepKey` until the limits hold. Call inside {@link EntryTable.write}. */
  enforceLimits(keepKey: string, now: number): void {
    const { maxEntries, maxBytes } = this.#options;
    if (maxEntries === undefined && maxBytes === undefined) return;
    const access = this.#access;
    enforceLimits(this.#statements, this.#namespace, keepKey, { maxEntries, maxBytes }, now, () =>
      access?.flush(),
    );
  }

  /** The namespace's entry count and total bytes, from the trigger-kept counters. */
  stats(): { entries: number; bytes: number } {
    const row = this.#statements.stats.get({ ns: this.#namespace }) as [number, number] | undefined;
    return { entries: row?.[0] ?? 0, bytes: row?.[1] ?? 0 };
  }

  /**
   * Deletes the namespace's expired entries (a page per transaction, so
   * other writers get turns) and expired locks, and writes pending access
   * times.
   * @returns how many entries were deleted.
   */
  purge(): number {
    let deleted = 0;
    for (let page = 0; page < PURGE_PAGES; page++) {
      const changes = this.writeFreeingSpace(
        (now) => this.#statements.purgeExpired.run({ ns: this.#namespace, now }).changes,
      );
      deleted += changes;
      if (changes < PAGE_ROWS) break;
    }
    this.write((now) => {
      this.#statements.purgeLocks.run({ ns: this.#namespace, now });
      this.#access?.flush();
    });
    return deleted;
  }
}
