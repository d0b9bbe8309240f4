import { BackendError, BackendErrorCode, BackendErrorType } from '@cachestack/core';
import type { Database, Transaction } from 'better-sqlite3';
import { AccessTracker } from './access-tracker.js';
import { enforceLimits } from './eviction.js';
import type { ResolvedSqliteOptions } from './options.js';
import { PAGE_ROWS, type SqliteStatements } from './statements.js';

/** Every this many writes, a write also deletes a page of expired entries. */
const LAZY_PURGE_EVERY = 128;

/** Most pages of expired entries one purge deletes (one transaction each). */
const PURGE_PAGES = 64;

/**
 * One namespace's rows in `cachestack_entries`: reads that filter out
 * expired rows, writes in IMMEDIATE transactions, limits, and reclaiming of
 * expired rows. Synchronous; inputs are already validated, errors are
 * native (the backend classifies them).
 */
export class EntryTable {
  readonly #statements: SqliteStatements;
  readonly #namespace: string;
  readonly #options: ResolvedSqliteOptions;
  readonly #access: AccessTracker | undefined;
  readonly #transaction: Transaction<(work: () => unknown) => unknown>;
  #writes = 0;

  constructor(db: Database, statements: SqliteStatements, options: ResolvedSqliteOptions) {
    this.#statements = statements;
    this.#namespace = options.namespace;
    this.#options = options;
    this.#transaction = db.transaction((work: () => unknown) => work());
    const limited = options.maxEntries !== undefined || options.maxBytes !== undefined;
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
      if (++this.#writes % LAZY_PURGE_EVERY === 0) {
        this.#statements.purgeExpired.run({ ns: this.#namespace, now });
      }
      return result;
    }) as T;
  }

  /** Runs `work` in one read transaction (one consistent snapshot). */
  snapshot<T>(work: () => T): T {
    return this.#transaction.deferred(work) as T;
  }

  /** The live value of `key` at `now` (epoch ms); a fresh Buffer, never shared. */
  read(key: string, now: number): Uint8Array | undefined {
    if (this.#access === undefined) {
      return this.#statements.getValue.get(this.#namespace, key, now) as Buffer | undefined;
    }
    const row = this.#statements.getValueAndAccess.get(this.#namespace, key, now) as
      | [Buffer, number]
      | undefined;
    if (row === undefined) return undefined;
    this.#access.record(key, row[1], now);
    return row[0];
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

  /** Inserts or replaces `key`. Call inside {@link EntryTable.write}. */
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
    this.#statements.upsert.run({ ns: this.#namespace, key, value, expiresAt, now, size });
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
      const changes = this.write(
        (now) => this.#statements.purgeExpired.run({ ns: this.#namespace, now }).changes,
      );
      deleted += changes;
      if (changes < PAGE_ROWS) break;
    }
    this.write((now) => this.#statements.purgeLocks.run({ ns: this.#namespace, now }));
    return deleted;
  }
}
