import { resolve } from 'node:path';
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
  logSafely,
  normalizeBatchEntries,
  normalizeLockOptions,
  normalizeRequiredTtl,
  normalizeTtl,
  OperationTimeouts,
  OperationTracer,
  probeHealth,
  retryUntil,
  type TimeoutConfigurable,
  type TimeoutOperation,
  TRACING_CHANNEL_NAMES,
  type TTLInspectable,
} from '@cachestack/core';
import { encodeEntry } from './entry-format.js';
import { EntryStore } from './entry-store.js';
import {
  type FileBackendOptions,
  type ResolvedFileBackendOptions,
  resolveOptions,
} from './file-backend-options.js';
import { toFileBackendError } from './fs-errors.js';
import { mapLimit } from './map-limit.js';
import { takeWriteBuffer } from './write-buffers.js';

const BACKEND_TYPE = 'file';

/** Entries read or written at once by the batch methods. */
const BATCH_CONCURRENCY = 16;

function expiryFor(ttlMs: number | undefined): number {
  return ttlMs === undefined ? 0 : Date.now() + ttlMs;
}

/**
 * A cache backend storing each entry in its own file under a directory:
 * atomic writes (temp file + rename), a checksummed header holding the key
 * and the absolute expiry, LRU eviction by bytes and/or entries, symlink-safe
 * file access, and locks that work across processes. Several instances and
 * processes may share one directory and namespace.
 *
 * Offers every capability: TTL inspection, locks, timeouts, batch, clear and
 * keys. Locks are for efficiency only: they are not fencing-safe.
 *
 * @example
 * ```ts
 * const cache = new FileBackend({ directory: '/var/cache/my-app', maxBytes: 512 * 1024 ** 2 });
 * await cache.set('user:1', new TextEncoder().encode('{"name":"Ada"}'), 60_000);
 * const bytes = await cache.get('user:1');
 * await cache.close();
 * ```
 */
export class FileBackend
  implements
    BaseBackend,
    TTLInspectable,
    Lockable,
    TimeoutConfigurable,
    Batch,
    Clearable,
    KeyIterable
{
  /** Always `'file'`. */
  readonly backendType = BACKEND_TYPE;
  /** The absolute cache directory. */
  readonly directory: string;
  readonly #options: ResolvedFileBackendOptions;
  readonly #store: EntryStore;
  readonly #timeouts: OperationTimeouts;
  readonly #tracer: OperationTracer;
  readonly #sweepTimer: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * Validates the options; touches the disk only on first use.
   * @throws TypeError `FileBackend: option "<name>" must be …` naming a bad option.
   */
  constructor(options: FileBackendOptions) {
    this.#options = resolveOptions(options);
    this.#timeouts = new OperationTimeouts(this.#options.timeouts);
    this.#tracer = new OperationTracer(
      TRACING_CHANNEL_NAMES.backend,
      BACKEND_TYPE,
      this.#options.namespace,
    );
    this.directory = resolve(this.#options.directory);
    this.#store = new EntryStore(this.directory, this.#options);
    if (this.#options.sweepIntervalMs > 0) {
      this.#sweepTimer = setInterval(() => {
        this.#store.sweep().catch((error: unknown) => this.#sweepFailed(error));
      }, this.#options.sweepIntervalMs);
      this.#sweepTimer.unref();
    }
  }

  /** This backend's namespace. */
  get namespace(): string {
    return this.#options.namespace;
  }

  /** The value of a live entry, or `undefined` (missing, expired, or corrupt: then removed). */
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#traced('get', key, undefined, () => {
      assertValidKey(key, 'get');
      return this.#guarded('get', key, async () => (await this.#store.read(key))?.value);
    });
  }

  /**
   * Stores a copy of `value` atomically. Without `ttlMs` the entry never expires.
   * @param ttlMs - time to live in ms (finite, > 0; fractions round up).
   */
  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    return this.#traced('set', key, undefined, () => {
      assertValidKey(key, 'set');
      assertValidValue(value, 'set', key, this.#options.maxValueBytes);
      const ttl = normalizeTtl(ttlMs, 'set', key);
      // Encoding copies the value now, before the caller can change it.
      const encoded = encodeEntry(key, value, expiryFor(ttl), takeWriteBuffer);
      return this.#guarded('set', key, () => this.#store.write(key, encoded));
    });
  }

  /** Removes the entry; `true` if it existed and had not expired. */
  async delete(key: string): Promise<boolean> {
    return this.#traced('delete', key, undefined, () => {
      assertValidKey(key, 'delete');
      return this.#guarded('delete', key, () => this.#store.remove(key));
    });
  }

  /** True when a live entry exists. Does not change its TTL. */
  async exists(key: string): Promise<boolean> {
    return this.#traced('exists', key, undefined, () => {
      assertValidKey(key, 'exists');
      return this.#guarded('exists', key, async () => (await this.#store.read(key)) !== undefined);
    });
  }

  /** Remaining lifetime in ms from the header: `Infinity` for no expiry, `undefined` when missing. */
  async getTtl(key: string): Promise<number | undefined> {
    return this.#traced('getTtl', key, undefined, () => {
      assertValidKey(key, 'getTtl');
      return this.#guarded('getTtl', key, async () => {
        const entry = await this.#store.read(key);
        if (entry === undefined) return undefined;
        if (entry.expiresAt === 0) return Number.POSITIVE_INFINITY;
        return Math.max(1, entry.expiresAt - Date.now());
      });
    });
  }

  /**
   * Makes a live entry expire `ttlMs` from now by rewriting it atomically.
   * A write by another caller between the read and the rewrite may be lost.
   * @param ttlMs - new time to live in ms (finite, > 0).
   */
  async refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    return this.#traced('refreshTtl', key, undefined, () => {
      assertValidKey(key, 'refreshTtl');
      const ttl = normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
      return this.#guarded('refreshTtl', key, async () => {
        const entry = await this.#store.read(key);
        if (entry === undefined) return false;
        await this.#store.write(
          key,
          encodeEntry(key, entry.value, expiryFor(ttl), takeWriteBuffer),
        );
        return true;
      });
    });
  }

  /**
   * Takes a lock file (in `locks/`, apart from data keys) that works across
   * processes. Not fencing-safe: use it to avoid duplicate work, not for
   * correctness.
   */
  async acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    return this.#traced('acquireLock', key, undefined, () => {
      assertValidKey(key, 'acquireLock');
      const { ttlMs: ttl, waitMs } = normalizeLockOptions(options, key);
      const path = this.#store.paths.lock(key);
      return this.#guarded('acquireLock', key, async () => {
        const token = await retryUntil(async () => {
          if (this.#closed) throw closedError('acquireLock', BACKEND_TYPE, key);
          return this.#store.tryAcquireLock(path, ttl);
        }, waitMs);
        if (token === undefined) return undefined;
        return createLockHandle({
          key,
          token,
          release: () =>
            this.#run('releaseLock', key, () => this.#store.locks.release(path, token)),
          extend: (ms) =>
            this.#run('extendLock', key, () => this.#store.locks.extend(path, token, ms)),
        });
      });
    });
  }

  /** Runs `fn` with a time limit on this backend's operations of kind `operation` started in it. */
  withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    return this.#timeouts.run(operation, timeoutMs, fn);
  }

  /** Values in the order of `keys` (`undefined` for misses), read 16 at a time. */
  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return this.#traced('getMany', undefined, keys?.length, () => {
      assertValidKeys(keys, 'getMany');
      return this.#guarded('getMany', undefined, () =>
        mapLimit(keys, BATCH_CONCURRENCY, async (key) => (await this.#store.read(key))?.value),
      );
    });
  }

  /** Stores every entry (each atomically; the batch as a whole is not atomic). */
  async setMany(entries: readonly BatchEntry[]): Promise<void> {
    await this.#traced('setMany', undefined, entries?.length, async () => {
      const normalized = normalizeBatchEntries(entries, 'setMany', this.#options.maxValueBytes);
      const encoded = normalized.map((entry) => ({
        key: entry.key,
        data: encodeEntry(entry.key, entry.value, expiryFor(entry.ttlMs), takeWriteBuffer),
      }));
      await this.#guarded('setMany', undefined, () =>
        mapLimit(encoded, BATCH_CONCURRENCY, (entry) => this.#store.write(entry.key, entry.data)),
      );
    });
  }

  /** Removes every key; resolves how many live entries existed. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    return this.#traced('deleteMany', undefined, keys?.length, () => {
      assertValidKeys(keys, 'deleteMany');
      const unique = [...new Set(keys)];
      return this.#guarded('deleteMany', undefined, async () => {
        const removed = await mapLimit(unique, BATCH_CONCURRENCY, (key) => this.#store.remove(key));
        return removed.filter(Boolean).length;
      });
    });
  }

  /** Removes every entry of this namespace; other namespaces and foreign files are untouched. */
  async clear(): Promise<void> {
    return this.#run('clear', undefined, () => this.#store.clear());
  }

  /**
   * Live keys of this namespace starting with `prefix`. Reads every entry
   * file of the namespace (to skip expired and corrupt ones). A `prefix`
   * that is not a well-formed string (e.g. a lone surrogate) rejects, on
   * iteration, with PERMANENT `INVALID_ARGUMENT` (core `assertValidPrefix`).
   */
  keys(prefix?: string): AsyncIterable<string> {
    return this.#keys(prefix);
  }

  async *#keys(prefix: string | undefined): AsyncGenerator<string> {
    assertValidPrefix(prefix);
    yield* await this.#run('keys', undefined, () => this.#store.listKeys(prefix ?? ''));
  }

  /**
   * Checks the directories and writes and removes a probe file. Never
   * throws. `details` holds the counters (`corruptEntries`, `evictions`,
   * `expiredRemoved`, `staleTempFilesRemoved`, `expiredLocksRemoved`, `sweeps`) and, with limits,
   * the indexed `entries` and `bytes`.
   */
  async healthCheck(): Promise<HealthStatus> {
    return probeHealth(BACKEND_TYPE, async () => {
      if (this.#closed) throw closedError('healthCheck', BACKEND_TYPE);
      try {
        await this.#timeouts.guard('healthCheck', undefined, () => this.#store.probe());
      } catch (error) {
        throw toFileBackendError(error, 'healthCheck');
      }
      return {
        directory: this.directory,
        namespace: this.#options.namespace,
        durability: this.#options.durability,
        maxBytes: this.#options.maxBytes,
        maxEntries: this.#options.maxEntries,
        maxValueBytes: this.#options.maxValueBytes,
        ...this.#store.counters,
        ...this.#store.indexStats,
      };
    });
  }

  /**
   * Runs one sweep now (see `sweepIntervalMs`): removes expired and corrupt
   * entries and stale temp files, and evicts above the limits.
   */
  async sweep(): Promise<void> {
    if (this.#closed) throw closedError('sweep', BACKEND_TYPE);
    try {
      await this.#store.sweep();
    } catch (error) {
      throw toFileBackendError(error, 'sweep');
    }
  }

  /** Stops the sweep timer. Idempotent; later operations reject with `CLOSED`. Held lock files stay until they expire. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    await this.#store.settled();
  }

  /** Same as {@link FileBackend.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Logs (warn) a background sweep that failed; the next interval tries again. */
  #sweepFailed(error: unknown): void {
    const failure = toFileBackendError(error, 'sweep');
    logSafely(
      this.#options.logger,
      'warn',
      { namespace: this.#options.namespace, errorType: failure.type, errorCode: failure.code },
      `background sweep failed: ${failure.message}`,
    );
  }

  /**
   * The funnel of every operation: traced on `cachestack:backend` when
   * someone listens (nothing is built otherwise).
   * @param keyCount - for batch operations, how many keys they name.
   */
  #run<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    fn: () => Promise<T>,
    keyCount?: number,
  ): Promise<T> {
    return this.#traced(operation, key, keyCount, () => this.#guarded(operation, key, fn));
  }

  /**
   * Runs `body` (input checks, then {@link FileBackend.#guarded}) as one
   * traced operation, so a call rejected for bad input is traced too.
   */
  #traced<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    keyCount: number | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    return this.#tracer.active ? this.#tracer.trace(operation, key, keyCount, body) : body();
  }

  /** Runs `fn` unless closed, under its time limit, with failures classified. */
  async #guarded<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (this.#closed) throw closedError(operation, BACKEND_TYPE, key);
    try {
      return await this.#timeouts.guard(operation, key, fn);
    } catch (error) {
      throw toFileBackendError(error, operation, key);
    }
  }
}
