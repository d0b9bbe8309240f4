import {
  type AcquireLockOptions,
  assertValidKey,
  assertValidKeys,
  assertValidPrefix,
  assertValidValue,
  type BaseBackend,
  type Batch,
  type BatchEntry,
  type Clearable,
  closedError,
  createLockHandle,
  type HealthStatus,
  type KeyIterable,
  type Lock,
  type Lockable,
  normalizeBatchEntries,
  normalizeLockOptions,
  normalizeRequiredTtl,
  normalizeTtl,
  OperationTimeouts,
  probeHealth,
  retryUntil,
  type TimeoutConfigurable,
  type TimeoutOperation,
  type TTLInspectable,
  timeoutError,
} from '@cachestack/core';
import type { Database } from 'better-sqlite3';
import { EntryTable } from './entry-table.js';
import { DatabaseFileIdentity } from './file-identity.js';
import {
  type ResolvedSqliteOptions,
  resolveSqliteOptions,
  type SqliteBackendOptions,
} from './options.js';
import { runSync } from './run-sync.js';
import { openDatabase, prepareSchema } from './schema.js';
import { toSqliteBackendError } from './sqlite-errors.js';
import { SqliteLockTable } from './sqlite-locks.js';
import { PAGE_ROWS, prepareStatements, type SqliteStatements } from './statements.js';

/**
 * A cachestack backend on SQLite through better-sqlite3: one table shared by
 * any number of namespaces, WAL, prepared statements, an expiry index,
 * optional entry/byte limits with eviction, and locks that work across
 * processes on the same file.
 *
 * better-sqlite3 is synchronous: every operation runs to completion on the
 * calling thread, and waiting for another connection's write lock (busy
 * waiting) blocks the event loop for up to `busyTimeoutMs`.
 *
 * @example
 * ```ts
 * const cache = new SqliteBackend({ path: './cache.db', namespace: 'pages' });
 * await cache.set('home', new TextEncoder().encode('<html>…'), 60_000);
 * const bytes = await cache.get('home');
 * await cache.close();
 * ```
 */
export class SqliteBackend
  implements
    BaseBackend,
    TTLInspectable,
    Lockable,
    TimeoutConfigurable,
    Batch,
    Clearable,
    KeyIterable
{
  /** Always `'sqlite'`. */
  readonly backendType = 'sqlite';
  readonly #options: ResolvedSqliteOptions;
  readonly #db: Database;
  readonly #ownsDatabase: boolean;
  readonly #namespace: string;
  readonly #timeouts: OperationTimeouts;
  readonly #locks: SqliteLockTable;
  readonly #entries: EntryTable;
  readonly #file: DatabaseFileIdentity;
  readonly #purgeTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastPurgeError: string | undefined;

  /**
   * Opens (or adopts) the database, checks it and creates the tables.
   * @throws TypeError naming the option when an option is invalid.
   * @throws BackendError PERMANENT `CORRUPT` when the file is not a healthy
   *   database, `ACCESS_DENIED` when it cannot be opened or written.
   */
  constructor(options: SqliteBackendOptions) {
    const resolved = resolveSqliteOptions(options);
    // resolveSqliteOptions has validated every limit.
    this.#timeouts = new OperationTimeouts(resolved.timeouts);
    this.#options = resolved;
    this.#namespace = resolved.namespace;
    this.#ownsDatabase = resolved.database === undefined;
    let db: Database | undefined = resolved.database;
    let statements: SqliteStatements;
    let file: DatabaseFileIdentity;
    try {
      db ??= openDatabase(resolved);
      prepareSchema(db, resolved);
      statements = prepareStatements(db);
      file = new DatabaseFileIdentity(db);
    } catch (error) {
      if (this.#ownsDatabase) db?.close();
      throw toSqliteBackendError(error, 'open');
    }
    this.#db = db;
    this.#file = file;
    this.#entries = new EntryTable(db, statements, resolved);
    this.#locks = new SqliteLockTable(db, statements, this.#namespace);
    if (resolved.purgeIntervalMs > 0) {
      this.#purgeTimer = setInterval(() => this.#backgroundPurge(), resolved.purgeIntervalMs);
      this.#purgeTimer.unref();
    }
  }

  /** The namespace this backend reads and writes. */
  get namespace(): string {
    return this.#namespace;
  }

  /** The underlying better-sqlite3 connection (owned by the backend unless passed in). */
  get database(): Database {
    return this.#db;
  }

  /**
   * The live value of `key` (a fresh Buffer), or `undefined` when missing,
   * expired or damaged (its CRC-32 does not match: then counted in
   * `healthCheck().details.corruptEntries` and deleted).
   */
  get(key: string): Promise<Uint8Array | undefined> {
    if (!this.#closed && this.#timeouts.limitFor('get') === undefined) {
      // Hot path without a time limit: what guard() and #run() would do, inlined.
      try {
        assertValidKey(key, 'get');
        return Promise.resolve(this.#entries.readOne(key, Date.now()));
      } catch (error) {
        return Promise.reject(toSqliteBackendError(error, 'get', key));
      }
    }
    return this.#timeouts.guard('get', key, async () => {
      assertValidKey(key, 'get');
      return this.#run('get', key, () => this.#entries.readOne(key, Date.now()));
    });
  }

  /**
   * Stores `value` under `key`, expiring `ttlMs` ms from now (epoch ms on
   * the wall clock, shared by every process), or never without `ttlMs`.
   * May evict other entries when a limit is set.
   */
  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    if (this.#timeouts.limitFor('set') === undefined) {
      // Hot path without a time limit: no guard, no async function.
      try {
        this.#set(key, value, ttlMs);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(toSqliteBackendError(error, 'set', key));
      }
    }
    return this.#timeouts.guard('set', key, async () => this.#set(key, value, ttlMs));
  }

  #set(key: string, value: Uint8Array, ttlMs: number | undefined): void {
    assertValidKey(key, 'set');
    assertValidValue(value, 'set', key, this.#options.maxValueBytes);
    const ttl = normalizeTtl(ttlMs, 'set', key);
    this.#run('set', key, () => this.#entries.store(key, value, ttl));
  }

  /**
   * Removes `key`; `true` when it was live. On a full disk it checkpoints
   * the WAL and tries once more (see the README's _Full disk_).
   */
  delete(key: string): Promise<boolean> {
    return this.#timeouts.guard('delete', key, async () => {
      assertValidKey(key, 'delete');
      return this.#run('delete', key, () =>
        this.#entries.writeFreeingSpace((now) => this.#entries.remove(key, now)),
      );
    });
  }

  /** `true` when `key` is live. Does not count as an access for LRU. */
  exists(key: string): Promise<boolean> {
    return this.#timeouts.guard('exists', key, async () => {
      assertValidKey(key, 'exists');
      return this.#run('exists', key, () => this.#entries.exists(key, Date.now()));
    });
  }

  /** Remaining ms of `key`: `Infinity` without expiry, `undefined` when missing or expired. */
  getTtl(key: string): Promise<number | undefined> {
    return this.#timeouts.guard('getTtl', key, async () => {
      assertValidKey(key, 'getTtl');
      return this.#run('getTtl', key, () => this.#entries.remainingTtl(key, Date.now()));
    });
  }

  /** Makes a live `key` expire `ttlMs` ms from now; `false` when it is missing. */
  refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    return this.#timeouts.guard('refreshTtl', key, async () => {
      assertValidKey(key, 'refreshTtl');
      const ttl = normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
      return this.#run('refreshTtl', key, () =>
        this.#entries.write((now) => this.#entries.refresh(key, ttl, now)),
      );
    });
  }

  /**
   * Takes the lock on `key` (a lock name, apart from data keys) in this
   * namespace, across every process using the file. Polls with jittered
   * backoff until `waitMs`. The lock carries a `fencingToken` that grows
   * with every acquisition in the namespace: pass it to the resource you
   * protect and reject smaller ones if you need correctness, since a holder
   * paused past its TTL may still believe it holds the lock. Locks held at
   * `close()` stay until their TTL passes.
   */
  async acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    assertValidKey(key, 'acquireLock');
    const { ttlMs: ttl, waitMs } = normalizeLockOptions(options, key);
    const limit = this.#timeouts.limitFor('acquireLock');
    const wait = limit === undefined ? waitMs : Math.min(waitMs, limit);
    const grant = await retryUntil(
      // An acquisition is never turned into a TIMEOUT afterwards: that would orphan the lock.
      async () => this.#run('acquireLock', key, () => this.#locks.tryAcquire(key, ttl), false),
      wait,
    );
    if (grant === undefined) {
      if (limit !== undefined && waitMs > limit) throw timeoutError('acquireLock', limit, key);
      return undefined;
    }
    const { token, fencingToken } = grant;
    return createLockHandle({
      key,
      token,
      fencingToken,
      release: () =>
        this.#timeouts.guard('releaseLock', key, async () =>
          this.#run('releaseLock', key, () =>
            this.#entries.write(() => this.#locks.release(key, token)),
          ),
        ),
      extend: (ms) =>
        this.#timeouts.guard('extendLock', key, async () =>
          this.#run('extendLock', key, () =>
            this.#entries.write(() => this.#locks.extend(key, token, ms)),
          ),
        ),
    });
  }

  /**
   * Runs `fn` with a limit of `timeoutMs` ms on `operation`s it starts on
   * this backend. better-sqlite3 is synchronous, so the limit caps the busy
   * wait for other connections' locks and lock polling; an operation that
   * overran it fails with TIMEOUT once it returns.
   */
  withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    return this.#timeouts.run(operation, timeoutMs, fn);
  }

  /**
   * Values of `keys` in order (`undefined` for misses and damaged values, as
   * in {@link SqliteBackend.get}), read from one snapshot.
   */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return this.#timeouts.guard('getMany', undefined, async () => {
      assertValidKeys(keys, 'getMany');
      return this.#run('getMany', undefined, () => this.#entries.readMany(keys, Date.now()));
    });
  }

  /** Stores every entry in one IMMEDIATE transaction: all or nothing. */
  setMany(entries: readonly BatchEntry[]): Promise<void> {
    return this.#timeouts.guard('setMany', undefined, async () => {
      const valid = normalizeBatchEntries(entries, 'setMany', this.#options.maxValueBytes);
      this.#run('setMany', undefined, () =>
        this.#entries.write((now) => {
          for (const entry of valid)
            this.#entries.put(entry.key, entry.value, entry.ttlMs, now, 'setMany');
          const last = valid.at(-1);
          if (last !== undefined) this.#entries.enforceLimits(last.key, now);
        }),
      );
    });
  }

  /** Removes every key in one transaction; resolves how many were live. */
  deleteMany(keys: readonly string[]): Promise<number> {
    return this.#timeouts.guard('deleteMany', undefined, async () => {
      assertValidKeys(keys, 'deleteMany');
      return this.#run('deleteMany', undefined, () =>
        this.#entries.writeFreeingSpace(
          (now) => keys.filter((key) => this.#entries.remove(key, now)).length,
        ),
      );
    });
  }

  /** Removes every entry of this namespace, and nothing else in the file. Locks stay. */
  clear(): Promise<void> {
    return this.#timeouts.guard('clear', undefined, async () => {
      this.#run('clear', undefined, () =>
        this.#entries.writeFreeingSpace(() => {
          this.#entries.clear();
        }),
      );
    });
  }

  /**
   * Live keys of this namespace starting with `prefix`, in UTF-8 byte order,
   * read in pages of 256 (each page its own query: keys written during the
   * iteration may or may not appear).
   */
  async *keys(prefix = ''): AsyncIterable<string> {
    assertValidPrefix(prefix);
    const page = (after: string | undefined): Promise<string[]> =>
      this.#timeouts.guard('keys', undefined, async () =>
        this.#run('keys', undefined, () => this.#entries.keyPage(prefix, after, Date.now())),
      );
    let keys = await page(undefined);
    for (;;) {
      for (const key of keys) {
        // Keys with the prefix are one contiguous run in byte order.
        if (!key.startsWith(prefix)) return;
        yield key;
      }
      if (keys.length < PAGE_ROWS) return;
      keys = await page(keys.at(-1));
    }
  }

  /**
   * Deletes this namespace's expired entries and locks now (the purge timer
   * does the same every `purgeIntervalMs`).
   * @returns how many expired entries were deleted.
   */
  async purgeExpired(): Promise<number> {
    return this.#run('purge', undefined, () => this.#entries.purge());
  }

  /**
   * Commits a one-row write (the time of the check, in `cachestack_meta`)
   * and reads this namespace's counters in that transaction, so an
   * unreadable, read-only, locked or full database reports unhealthy; so
   * does a file deleted or replaced while open (`INVALID_PATH`).
   * Details: `namespace`, `path`, `entries`, `bytes`, limits,
   * `corruptEntries` (damaged values found by this backend's reads),
   * `lastPurgeError`.
   */
  async healthCheck(): Promise<HealthStatus> {
    return probeHealth(this.backendType, () =>
      this.#timeouts.guard('healthCheck', undefined, async () =>
        this.#run('healthCheck', undefined, () =>
          this.#entries.write((now) => {
            this.#file.check('healthCheck');
            this.#entries.probeWrite(now);
            const { entries, bytes } = this.#entries.stats();
            return {
              namespace: this.#namespace,
              path: this.#options.path ?? this.#db.name,
              ownsDatabase: this.#ownsDatabase,
              entries,
              bytes,
              maxEntries: this.#options.maxEntries,
              maxBytes: this.#options.maxBytes,
              corruptEntries: this.#entries.corruptEntries,
              lastPurgeError: this.#lastPurgeError,
            };
          }),
        ),
      ),
    );
  }

  /**
   * Stops the purge timer, writes pending access times and closes the
   * database if the backend opened it (a database passed in stays open).
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      if (this.#entries.pendingAccesses > 0) this.#entries.write(() => undefined);
    } catch {
      // Access times are a hint for eviction; losing some is harmless.
    }
    this.#closed = true;
    if (this.#purgeTimer !== undefined) clearInterval(this.#purgeTimer);
    if (this.#ownsDatabase && this.#db.open) this.#db.close();
  }

  /** Same as {@link SqliteBackend.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Rejects after `close()`, then runs `work` through {@link runSync}. */
  #run<T>(operation: string, key: string | undefined, work: () => T, lateIsTimeout = true): T {
    if (this.#closed) throw closedError(operation, this.backendType, key);
    return runSync(this.#db, this.#timeouts, operation, key, work, lateIsTimeout);
  }

  #backgroundPurge(): void {
    if (this.#closed) return;
    try {
      this.#entries.purge();
      this.#lastPurgeError = undefined;
    } catch (error) {
      this.#lastPurgeError = toSqliteBackendError(error, 'purge').message;
    }
  }
}
