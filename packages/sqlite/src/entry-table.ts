import { crc32 } from 'node:zlib';
import { BackendError, BackendErrorCode, BackendErrorType } from '@cachestack/core';
import type { Database, Transaction } from 'better-sqlite3';
import { AccessTracker } from './access-tracker.js';
import { enforceLimits } from './eviction.js';
import type { ResolvedSqliteOptions } from './options.js';
import { primarySqliteCode } from './sqlite-errors.js';
import { PAGE_ROWS, type SqliteStatements } from './statements.js';

/** Every this many writes, a write also deletes a page of expired entries. */
const LAZY_PURGE_EVERY = 128;

/** Most pages of expired entries one purge deletes (one transaction each). */
const PURGE_PAGES = 64;

/** A stored row as read: `[value, checksum]` (the checksum is `null` for rows of schema version 1). */
type ValueRow = [Buffer, number | null, ...unknown[]];

/**
 * One namespace's rows in `cachestack_entries`: reads that filter out
 * expired rows and verify each value's CRC-32, writes in IMMEDIATE
 * transactions, limits, and reclaiming of expired rows. Synchronous; inputs
 * are already validated, errors are native (the backend classifies them).
 */
export class EntryTable {
  /** Values found damaged (checksum mismatch) since this backend opened; each read as a miss. */
  corruptEntries = 0;
  readonly #db: Database;
  readonly #statements: SqliteStatements;
  readonly #namespace: string;
  readonly #options: ResolvedSqliteOptions;
  readonly #access: AccessTracker | undefined;
  /** True with `maxEntries` or `maxBytes`: only then are write times kept for eviction. */
  readonly #limited: boolean;
  readonly #transaction: Transaction<(work: () => unknown) => unknown>;
  /** Damaged rows found by reads and not yet deleted: `[key, stored bytes]`. */
  readonly #damaged: [string, Buffer][] = [];
  #writes = 0;

  constructor(db: Database, statements: SqliteStatements, options: ResolvedSqliteOptions) {
    this.#db = db;
    this.#statements = statements;
    this.#namespace = options.namespace;
    this.#options = options;
    this.#transaction = db.transaction((work: () => unknown) => work());
    const limited = options.maxEntries !== undefined || options.maxBytes !== undefined;
    this.#limited = limited;
    if (limited && options.eviction === 'lru') {
      this.#access = new AccessTracker(statements, options.namespace, options.accessResolutionMs);
    }
  }

  /** Number of reads whose access time is not written yet. */
  get pendingAccesses(): number {
    return this.#access?.pending ?? 0;
  }

  /**
   * Runs `work` in an IMMEDIATE transaction (the write lock is taken up
   * front, so it never fails half-way on a lock upgrade), after writing
   * pending access times; every {@link LAZY_PURGE_EVERY} writes it also
   * deletes a page of expired entries.
   */
  write<T>(work: (now: number) => T): T {
    return this.#transaction.immediate(() => {
      const now = Date.now();
      this.#access?.flush();
      const result = work(now);
      this.#countWrite(now);
      return result;
    }) as T;
  }

  /**
   * Stores one entry for `set`. Without limits that is one upsert statement,
   * atomic on its own (its counter trigger included) and committed by
   * SQLite's autocommit, which takes the write lock at the statement's start
   * and waits for it like `BEGIN IMMEDIATE`; with limits it runs in
   * {@link EntryTable.write} with eviction.
   */
  store(key: string, value: Uint8Array, ttlMs: number | undefined): void {
    if (this.#limited) {
      this.write((now) => {
        this.put(key, value, ttlMs, now, 'set');
        this.enforceLimits(key, now);
      });
      return;
    }
    const now = Date.now();
    this.put(key, value, ttlMs, now, 'set');
    this.#countWrite(now);
  }

  /** Every {@link LAZY_PURGE_EVERY} writes, deletes a page of expired entries. */
  #countWrite(now: number): void {
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
      return this.write(work);
    }
  }

  /** Runs `work` in one read transaction (one consistent snapshot). */
  snapshot<T>(work: () => T): T {
    return this.#transaction.deferred(work) as T;
  }

  /**
   * The live value of `key` at `now`. A value whose CRC-32 does not match
   * its stored checksum reads as a miss, is counted in
   * {@link EntryTable.corruptEntries} and is queued for deletion.
   */
  #read(key: string, now: number): Uint8Array | undefined {
    const access = this.#access;
    const row = (
      access === undefined
        ? this.#statements.getValue.get(this.#namespace, key, now)
        : this.#statements.getValueAndAccess.get(this.#namespace, key, now)
    ) as ValueRow | undefined;
    if (row === undefined) return undefined;
    const [value, checksum] = row;
    if (checksum !== null && crc32(value) !== checksum) {
      this.corruptEntries++;
      this.#damaged.push([key, value]);
      return undefined;
    }
    access?.record(key, row[2] as number, now);
    return value;
  }

  /**
   * The live value of `key` at `now` (epoch ms); a fresh Buffer, never
   * shared. A damaged value is a miss and its row is deleted (see `#read`).
   */
  readOne(key: string, now: number): Uint8Array | undefined {
    const value = this.#read(key, now);
    if (this.#damaged.length > 0) this.#discardDamaged();
    return value;
  }

  /**
   * The live values of `keys` at `now`, read from one snapshot; damaged
   * values are misses, and their rows are deleted after the snapshot.
   */
  readMany(keys: readonly string[], now: number): (Uint8Array | undefined)[] {
    const values = this.snapshot(() => keys.map((key) => this.#read(key, now)));
    if (this.#damaged.length > 0) this.#discardDamaged();
    return values;
  }

  /**
   * Deletes the damaged rows found by reads (each only while it still holds
   * the damaged bytes, so a value rewritten meanwhile stays). Never throws:
   * when the delete fails (read-only, full disk, locked), the next read
   * finds the damage again and it is still a miss.
   */
  #discardDamaged(): void {
    const damaged = this.#damaged.splice(0);
    try {
      this.write(() => {
        for (const [key, value] of damaged) {
          this.#statements.deleteDamaged.run({ ns: this.#namespace, key, value });
        }
      });
    } catch {
      // Still a miss on every read; deleted by a later read or write.
    }
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
   * Inserts or replaces `key`. A new row's `accessed_at` is `now`; a
   * replaced row's moves to `now` only with a limit set and when it is at
   * least `accessResolutionMs` old, so most rewrites leave the access index
   * alone (and rewriting the same bytes writes no page at all).
   * Call inside {@link EntryTable.write}.
   */
  put(
    key: string,
    value: Uint8Array,
    ttlMs: number | undefined,
    now: number,
    operation: 'set' | 'setMany',
  ): void {
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
    const expiresAt = ttlMs === undefined ? null : now + ttlMs;
    const checksum = crc32(value);
    const ns = this.#namespace;
    this.#statements.upsert.run(ns, key, value, checksum, expiresAt, now, size);
    if (this.#limited) {
      // Exact to accessResolutionMs, like reads: see SqliteStatements.touchWritten.
      const resolution = this.#options.accessResolutionMs;
      this.#statements.touchWritten.run({ ns, key, now, resolution });
    }
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
    enforceLimits(this.#statements, this.#namespace, keepKey, { maxEntries, maxBytes }, now);
  }

  /**
   * Commits a one-row write (the time of the check in `cachestack_meta`):
   * what any write needs, so a read-only file or a full disk fails here.
   * Call inside {@link EntryTable.write}.
   */
  probeWrite(now: number): void {
    this.#statements.healthProbe.run({ now });
  }

  /** The namespace's entry count and total bytes, from the trigger-kept counters. */
  stats(): { entries: number; bytes: number } {
    const row = this.#statements.stats.get({ ns: this.#namespace }) as [number, number] | undefined;
    return { entries: row?.[0] ?? 0, bytes: row?.[1] ?? 0 };
  }

  /**
   * Deletes the namespace's expired entries (a page per transaction, so
   * other writers get turns) and expired locks.
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
    this.write((now) => this.#statements.purgeLocks.run({ ns: this.#namespace, now }));
    return deleted;
  }
}
