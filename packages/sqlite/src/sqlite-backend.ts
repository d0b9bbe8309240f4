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
  type HealthStatus,
  type KeyIterable,
  type Lock,
  type Lockable,
  type Logger,
  logSafely,
  normalizeBatchEntries,
  normalizeRequiredTtl,
  normalizeTtl,
  probeHealth,
  type TimeoutConfigurable,
  type TimeoutOperation,
  type TTLInspectable,
} from '@cachestack/core';
import type { Database } from 'better-sqlite3';
import { EntryTable } from './entry-table.js';
import type { DatabaseFileIdentity } from './file-identity.js';
import { HealthProbe } from './health-probe.js';
import { openBackendDatabase } from './open-backend.js';
import {
  type ResolvedSqliteOptions,
  resolveSqliteOptions,
  type SqliteBackendOptions,
} from './options.js';
import { toSqliteBackendError } from './sqlite-errors.js';
import { SqliteLockTable } from './sqlite-locks.js';
import { SqliteOperations } from './sqlite-operations.js';
import { PAGE_ROWS } from './statements.js';

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
 * Every operation is traced on the `cachestack:backend` tracing channel
 * (backendType `'sqlite'`, see `TRACING_CHANNEL_NAMES` in
 * `@cachestack/core`); with no subscriber that costs one check.
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
  readonly #locks: SqliteLockTable;
  readonly #entries: EntryTable;
  readonly #file: DatabaseFileIdentity;
  readonly #healthProbe: HealthProbe;
  readonly #purgeTimer: NodeJS.Timeout | undefined;
  readonly #logger: Logger;
  readonly #ops: SqliteOperations;
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
    this.#options = resolved;
    this.#namespace = resolved.namespace;
    this.#logger = resolved.logger;
    this.#ownsDatabase = resolved.database === undefined;
    const { db, statements, file } = openBackendDatabase(resolved);
    this.#db = db;
    this.#file = file;
    this.#healthProbe = new HealthProbe(db, statements);
    this.#ops = new SqliteOperations(db, resolved.timeouts, resolved.namespace);
    this.#entries = new EntryTable(db, statements, resolved);
    this.#locks = new SqliteLockTable(db, statements, this.#namespace, this.#ops, (work) =>
      this.#entries.write(work),
    );
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
    const { tracer } = this.#ops;
    if (tracer.active) return tracer.trace('get', key, undefined, () => this.#get(key));
    return this.#get(key);
  }

  #get(key: string): Promise<Uint8Array | undefined> {
    if (!this.#ops.closed && this.#ops.timeouts.limitFor('get') === undefined) {
      // Hot path without a time limit: what guard() and #run() would do, inlined.
      try {
        assertValidKey(key, 'get');
        return Promise.resolve(this.#entries.reads.readOne(key, Date.now()));
      } catch (error) {
        return Promise.reject(toSqliteBackendError(error, 'get', key));
      }
    }
    return this.#ops.timeouts.guard('get', key, async () => {
      assertValidKey(key, 'get');
      return this.#ops.run('get', key, () => this.#entries.reads.readOne(key, Date.now()));
    });
  }

  /**
   * Stores `value` under `key`, expiring `ttlMs` ms from now (epoch ms on
   * the wall clock, shared by every process), or never without `ttlMs`.
   * May evict other entries when a limit is set.
   */
  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    const { tracer } = this.#ops;
    if (tracer.active) {
      return tracer.trace('set', key, undefined, () => this.#setAsync(key, value, ttlMs));
    }
    return this.#setAsync(key, value, ttlMs);
  }

  #setAsync(key: string, value: Uint8Array, ttlMs: number | undefined): Promise<void> {
    if (!this.#ops.closed && this.#ops.timeouts.limitFor('set') === undefined) {
      // Hot path without a time limit: what guard() and #run() would do, inlined.
      try {
        assertValidKey(key, 'set');
        assertValidValue(value, 'set', key, this.#options.maxValueBytes);
        this.#entries.sets.store(key, value, normalizeTtl(ttlMs, 'set', key));
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(toSqliteBackendError(error, 'set', key));
      }
    }
    return this.#ops.timeouts.guard('set', key, async () => this.#set(key, value, ttlMs));
  }

  #set(key: string, value: Uint8Array, ttlMs: number | undefined): void {
    assertValidKey(key, 'set');
    assertValidValue(value, 'set', key, this.#options.maxValueBytes);
    const ttl = normalizeTtl(ttlMs, 'set', key);
    this.#ops.run('set', key, () => this.#entries.sets.store(key, value, ttl));
  }

  /**
   * Removes `key`; `true` when it was live. On a full disk it checkpoints
   * the WAL and tries once more (see the README's _Full disk_).
   */
  delete(key: string): Promise<boolean> {
    return this.#ops.op('delete', key, async () => {
      assertValidKey(key, 'delete');
      return this.#ops.run('delete', key, () =>
        this.#entries.writeFreeingSpace((now) => this.#entries.remove(key, now)),
      );
    });
  }

  /** `true` when `key` is live. Does not count as an access for LRU. */
  exists(key: string): Promise<boolean> {
    return this.#ops.op('exists', key, async () => {
      assertValidKey(key, 'exists');
      return this.#ops.run('exists', key, () => this.#entries.exists(key, Date.now()));
    });
  }

  /** Remaining ms of `key`: `Infinity` without expiry, `undefined` when missing or expired. */
  getTtl(key: string): Promise<number | undefined> {
    return this.#ops.op('getTtl', key, async () => {
      assertValidKey(key, 'getTtl');
      return this.#ops.run('getTtl', key, () => this.#entries.remainingTtl(key, Date.now()));
    });
  }

  /** Makes a live `key` expire `ttlMs` ms from now; `false` when it is missing. */
  refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    return this.#ops.op('refreshTtl', key, async () => {
      assertValidKey(key, 'refreshTtl');
      const ttl = normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
      return this.#ops.run('refreshTtl', key, () =>
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
  acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    return this.#ops.traced('acquireLock', key, () => this.#locks.acquire(key, options));
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
    return this.#ops.timeouts.run(operation, timeoutMs, fn);
  }

  /**
   * Values of `keys` in order (`undefined` for misses and damaged values, as
   * in {@link SqliteBackend.get}), read from one snapshot.
   */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return this.#ops.op(
      'getMany',
      undefined,
      async () => {
        assertValidKeys(keys, 'getMany');
        return this.#ops.run('getMany', undefined, () =>
          this.#entries.reads.readMany(keys, Date.now()),
        );
      },
      countOf(keys),
    );
  }

  /** Stores every entry in one IMMEDIATE transaction: all or nothing. */
  setMany(entries: readonly BatchEntry[]): Promise<void> {
    return this.#ops.op(
      'setMany',
      undefined,
      async () => {
        const valid = normalizeBatchEntries(entries, 'setMany', this.#options.maxValueBytes);
        this.#ops.run('setMany', undefined, () =>
          this.#entries.write((now) => {
            for (const entry of valid)
              this.#entries.put(entry.key, entry.value, entry.ttlMs, now, 'setMany');
            const last = valid.at(-1);
            if (last !== undefined) this.#entries.enforceLimits(last.key, now);
          }),
        );
      },
      countOf(entries),
    );
  }

  /** Removes every key in one transaction; resolves how many were live. */
  deleteMany(keys: readonly string[]): Promise<number> {
    return this.#ops.op(
      'deleteMany',
      undefined,
      async () => {
        assertValidKeys(keys, 'deleteMany');
        return this.#ops.run('deleteMany', undefined, () =>
          this.#entries.writeFreeingSpace(
            (now) => keys.filter((key) => this.#entries.remove(key, now)).length,
          ),
        );
      },
      countOf(keys),
    );
  }

  /** Removes every entry of this namespace, and nothing else in the file. Locks stay. */
  clear(): Promise<void> {
    return this.#ops.op('clear', undefined, async () => {
      this.#ops.run('clear', undefined, () =>
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
      this.#ops.op('keys', undefined, async () =>
        this.#ops.run('keys', undefined, () => this.#entries.keyPage(prefix, after, Date.now())),
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
  purgeExpired(): Promise<number> {
    const purge = async (): Promise<number> =>
      this.#ops.run('purge', undefined, () => this.#entries.purge());
    return this.#ops.traced('purge', undefined, purge);
  }

  /**
   * Commits a write of 16 pages (the time of the check and fresh random
   * bytes in `cachestack_meta`: as many pages as a new key's `set` with its
   * b-tree splits) and reads this namespace's counters in that transaction,
   * so an unreadable, read-only, locked or full database reports unhealthy,
   * including a disk the cache itself filled where a one-row write would
   * still fit; so does a file deleted or replaced while open
   * (`INVALID_PATH`).
   * Details: `namespace`, `path`, `entries`, `bytes`, limits,
   * `corruptEntries` (damaged values found by this backend's reads),
   * `lastPurgeError`.
   */
  async healthCheck(): Promise<HealthStatus> {
    return probeHealth(this.backendType, () =>
      this.#ops.op('healthCheck', undefined, async () =>
        this.#ops.run('healthCheck', undefined, () =>
          this.#entries.write((now) => {
            this.#file.check('healthCheck');
            this.#healthProbe.commit(now);
            const { entries, bytes } = this.#entries.stats();
            return {
              namespace: this.#namespace,
              path: this.#options.path ?? this.#db.name,
              ownsDatabase: this.#ownsDatabase,
              entries,
              bytes,
              maxEntries: this.#options.maxEntries,
              maxBytes: this.#options.maxBytes,
              corruptEntries: this.#entries.reads.corruptEntries,
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
    if (this.#ops.closed) return;
    try {
      this.#entries.flushAccesses();
    } catch (error) {
      // Access times are a hint for eviction; losing some is harmless.
      logSafely(
        this.#logger,
        'debug',
        { backendType: 'sqlite', namespace: this.#namespace, error },
        'could not write pending access times at close',
      );
    }
    this.#ops.close();
    if (this.#purgeTimer !== undefined) clearInterval(this.#purgeTimer);
    if (this.#ownsDatabase && this.#db.open) this.#db.close();
  }

  /** Same as {@link SqliteBackend.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #backgroundPurge(): void {
    if (this.#ops.closed) return;
    try {
      this.#entries.purge();
      this.#lastPurgeError = undefined;
    } catch (error) {
      const failure = toSqliteBackendError(error, 'purge');
      this.#lastPurgeError = failure.message;
      logSafely(
        this.#logger,
        'warn',
        { backendType: 'sqlite', namespace: this.#namespace, error: failure },
        'background purge of expired entries failed; retried at the next interval',
      );
    }
  }
}

/** How many items a batch argument names (`undefined` when it is not an array: validation rejects it). */
function countOf(items: unknown): number | undefined {
  return Array.isArray(items) ? items.length : undefined;
}
