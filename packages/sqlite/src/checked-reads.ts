import { crc32 } from 'node:zlib';
import { logSafely } from '@cachestack/core';
import type { AccessTracker } from './access-tracker.js';
import type { ResolvedSqliteOptions } from './options.js';
import type { SqliteStatements } from './statements.js';

/** A stored row as read: `[value, checksum]` (the checksum is `null` for rows of schema version 1). */
type ValueRow = [Buffer, number | null, ...unknown[]];

/** The transactions {@link CheckedReads} runs in (the entry table's). */
export interface ReadTransactions {
  /** Runs `work` in one read transaction (one consistent snapshot). */
  snapshot<T>(work: () => T): T;
  /** Runs `work` in an IMMEDIATE write transaction. */
  write<T>(work: (now: number) => T): T;
}

/**
 * Reads of one namespace's values: expired rows filtered out, and each
 * value checked against its CRC-32. A damaged value (its bytes changed on
 * disk) reads as a miss, never as damaged bytes: it is counted, logged and
 * its row deleted. Synchronous; errors are native.
 */
export class CheckedReads {
  /** Values found damaged (checksum mismatch) since this backend opened; each read as a miss. */
  corruptEntries = 0;
  readonly #statements: SqliteStatements;
  readonly #namespace: string;
  readonly #options: ResolvedSqliteOptions;
  /** Where reads are noted for `'lru'` eviction; `undefined` when reads do not count. */
  readonly #access: AccessTracker | undefined;
  readonly #transactions: ReadTransactions;
  /** Damaged rows found by reads and not yet deleted: `[key, stored bytes]`. */
  readonly #damaged: [string, Buffer][] = [];

  constructor(
    statements: SqliteStatements,
    options: ResolvedSqliteOptions,
    access: AccessTracker | undefined,
    transactions: ReadTransactions,
  ) {
    this.#statements = statements;
    this.#namespace = options.namespace;
    this.#options = options;
    this.#access = access;
    this.#transactions = transactions;
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
    const values = this.#transactions.snapshot(() => keys.map((key) => this.#read(key, now)));
    if (this.#damaged.length > 0) this.#discardDamaged();
    return values;
  }

  /**
   * The live value of `key` at `now`. A value whose CRC-32 does not match
   * its stored checksum reads as a miss, is counted in
   * {@link CheckedReads.corruptEntries} and is queued for deletion.
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
      logSafely(
        this.#options.logger,
        'warn',
        { backendType: 'sqlite', namespace: this.#namespace, key },
        'damaged value (checksum mismatch) read as a miss; its row is deleted',
      );
      return undefined;
    }
    access?.record(key, row[2] as number, now);
    return value;
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
      this.#transactions.write(() => {
        for (const [key, value] of damaged) {
          this.#statements.deleteDamaged.run({ ns: this.#namespace, key, value });
        }
      });
    } catch (error) {
      // Still a miss on every read; deleted by a later read or write.
      logSafely(
        this.#options.logger,
        'debug',
        { backendType: 'sqlite', namespace: this.#namespace, error },
        'could not delete damaged rows yet; they stay misses',
      );
    }
  }
}
