import {
  type AcquireLockOptions,
  assertValidKey,
  assertValidPrefix,
  assertValidValue,
  BackendError,
  type BaseBackend,
  type Batch,
  type BatchEntry,
  BORROWED_READ,
  type BorrowedReadable,
  type Clearable,
  closedError,
  type HealthStatus,
  type KeyIterable,
  LOCAL_READ,
  LOCAL_READ_UNAVAILABLE,
  type LocalReadable,
  type Lock,
  type Lockable,
  normalizeRequiredTtl,
  normalizeTtl,
  OperationTracer,
  probeHealth,
  type TimeoutConfigurable,
  type TimeoutOperation,
  TRACING_CHANNEL_NAMES,
  TRANSFERRED_SET,
  type TransferredSettable,
  type TTLInspectable,
  toBackendError,
} from '@cachestack/core';
import { deleteMany, readMany, writeMany } from './entry-batches.js';
import {
  createEntryStorage,
  type EntryStorage,
  type MemoryPolicyOptions,
} from './eviction/eviction-policy.js';
import {
  type MemoryBackendOptions,
  type ResolvedMemoryOptions,
  resolveMemoryOptions,
} from './memory-backend-options.js';
import { MemoryLocks } from './memory-locks.js';
import { type AssertOpen, OperationRunner } from './operation-runner.js';
import { StoreLifetime } from './store-lifetime.js';
import { lend } from './stored-value.js';

const BACKEND_TYPE = 'memory';

let setSimulatedLatency: (backend: MemoryBackend, delayMs: number) => void;

/**
 * Test-only fault injection, not exported from the package entry point: makes
 * every later operation of `backend` wait `delayMs` ms (inside its time limit)
 * before touching the store, so timeout handling can be tested for real.
 * `0` restores full speed.
 * @internal
 */
export function simulateLatency(backend: MemoryBackend, delayMs: number): void {
  setSimulatedLatency(backend, delayMs);
}

/**
 * An in-process cachestack backend on
 * [`lru-cache`](https://github.com/isaacs/node-lru-cache), offering every
 * capability: TTL inspection, locks, timeouts, batches, clear and key listing.
 *
 * - Limits: {@link MemoryBackendOptions.maxEntries} and
 *   {@link MemoryBackendOptions.maxBytes}; the least recently used entry is
 *   evicted first, or with {@link MemoryPolicyOptions.policy} `'tinylfu'`
 *   the one W-TinyLFU picks. `get` (and `getMany`) count as a use;
 *   `exists`, `getTtl` and `keys` do not; `set` and `refreshTtl` do.
 * - TTLs use the monotonic clock (wall-clock jumps do not matter) and no
 *   per-entry timers, so TTLs beyond 2^31−1 ms work. Expired entries are
 *   invisible at once and swept every {@link MemoryBackendOptions.purgeIntervalMs}.
 * - Values are copied in and out: callers never share memory with storage
 *   (core's borrowed-read and transferred-write protocols let a caller that
 *   promises not to keep or touch the bytes skip those copies).
 * - Locks live in their own table (lock keys never meet data keys) and carry
 *   a {@link Lock.fencingToken} that grows with every acquisition on this
 *   instance. They only exclude callers within this process.
 * - With {@link MemoryBackendOptions.snapshot}, entries survive restarts:
 *   use {@link MemoryBackend.open} or {@link createMemoryBackend}.
 *
 * @example
 * ```ts
 * const cache = new MemoryBackend({ maxEntries: 1_000, maxBytes: 16 * 1024 * 1024 });
 * await cache.set('greeting', new TextEncoder().encode('hello'), 60_000);
 * const bytes = await cache.get('greeting'); // Buffer [68 65 6c 6c 6f]
 * await cache.close();
 * ```
 */
export class MemoryBackend
  implements
    BaseBackend,
    TTLInspectable,
    Lockable,
    TimeoutConfigurable,
    Batch,
    Clearable,
    KeyIterable,
    LocalReadable,
    BorrowedReadable,
    TransferredSettable
{
  static #opening = false;

  static {
    setSimulatedLatency = (backend, delayMs) => {
      backend.#runner.delayMs = delayMs;
    };
  }

  /** Always `'memory'`. */
  readonly backendType = BACKEND_TYPE;
  readonly #options: ResolvedMemoryOptions;
  readonly #entries: EntryStorage;
  readonly #runner: OperationRunner;
  readonly #locks: MemoryLocks;
  readonly #lifetime: StoreLifetime;
  #closed = false;
  readonly #assertOpen: AssertOpen = (operation, key) => {
    if (this.#closed) throw closedError(operation, BACKEND_TYPE, key);
  };

  /**
   * Creates an empty backend. To load a snapshot, use
   * {@link MemoryBackend.open} instead: this constructor throws when
   * {@link MemoryBackendOptions.snapshot} is given.
   * @throws TypeError naming the first invalid option.
   */
  constructor(options: MemoryBackendOptions = {}) {
    const resolved = resolveMemoryOptions(options);
    if (resolved.snapshot !== undefined && !MemoryBackend.#opening) {
      throw new TypeError(
        'MemoryBackend: option "snapshot" needs `await MemoryBackend.open(options)` or ' +
          '`await createMemoryBackend(options)`, which load the snapshot file before use',
      );
    }
    this.#runner = new OperationRunner(
      resolved.timeouts,
      new OperationTracer(TRACING_CHANNEL_NAMES.backend, BACKEND_TYPE),
    );
    this.#options = resolved;
    this.#entries = createEntryStorage(resolved, options);
    this.#locks = new MemoryLocks(this.#runner, this.#assertOpen);
    this.#lifetime = new StoreLifetime(this.#entries, this.#locks, resolved);
  }

  /**
   * Creates a backend and, when {@link MemoryBackendOptions.snapshot} is set,
   * loads its file first: unexpired entries come back with their remaining
   * TTLs (wall-clock), in their old recency order. A missing file gives an
   * empty cache; an unreadable, foreign, truncated or corrupt one gives an
   * empty cache and a warning. Entries that no longer fit the limits are dropped.
   * @throws TypeError naming the first invalid option.
   */
  static async open(options: MemoryBackendOptions = {}): Promise<MemoryBackend> {
    let backend: MemoryBackend;
    MemoryBackend.#opening = true;
    try {
      backend = new MemoryBackend(options);
    } finally {
      MemoryBackend.#opening = false;
    }
    await backend.#lifetime.load();
    return backend;
  }

  /** {@inheritDoc @cachestack/core!BaseBackend.get} */
  get(key: string): Promise<Uint8Array | undefined> {
    const tracer = this.#runner.tracer;
    if (!tracer.active) return this.#get(key);
    return tracer.trace('get', key, undefined, () => this.#get(key));
  }

  #get(key: string): Promise<Uint8Array | undefined> {
    try {
      assertValidKey(key, 'get');
      if (this.#closed) throw closedError('get', BACKEND_TYPE, key);
      const runner = this.#runner;
      if (runner.delayMs !== 0) return this.#slowGet(key);
      const result = this.#entries.read(key);
      if (runner.timeouts.limitFor('get') === undefined) return Promise.resolve(result);
      return runner.resolve('get', key, result);
    } catch (error) {
      return Promise.reject(toBackendError(error, 'get', key));
    }
  }

  /**
   * The synchronous form of {@link MemoryBackend.get} (core's local-read
   * protocol), so a tiered cache serves an L1 hit without an extra promise
   * step. Answers `LOCAL_READ_UNAVAILABLE` when a time limit or delay applies
   * or the backend is closed, or while someone subscribes to the
   * `cachestack:backend` tracing channel (so that every read is traced);
   * `get` then gives the proper result.
   */
  [LOCAL_READ](key: string): Uint8Array | undefined | typeof LOCAL_READ_UNAVAILABLE {
    if (!this.#readsNow()) return LOCAL_READ_UNAVAILABLE;
    assertValidKey(key, 'get');
    return this.#entries.read(key);
  }

  /**
   * Core's borrowed-read protocol: calls `use` with the stored bytes
   * themselves (no copy; a small value kept as a string is decoded into a
   * fresh `Buffer`), valid only during the call, and returns its result.
   * Declines (`LOCAL_READ_UNAVAILABLE`, `use` not called) exactly when
   * the local read (`[LOCAL_READ]`) does. Counts as a use, as `get`.
   */
  [BORROWED_READ]<T>(
    key: string,
    use: (view: Uint8Array | undefined) => T,
  ): T | typeof LOCAL_READ_UNAVAILABLE {
    if (!this.#readsNow()) return LOCAL_READ_UNAVAILABLE;
    assertValidKey(key, 'get');
    const stored = this.#entries.lookup(key);
    return use(stored === undefined ? undefined : lend(stored));
  }

  /** True when a read may be answered synchronously: open, no delay, time limit or tracing subscriber. */
  #readsNow(): boolean {
    const runner = this.#runner;
    if (this.#closed || runner.delayMs !== 0 || runner.tracer.active) return false;
    return runner.timeouts.limitFor('get') === undefined;
  }

  /**
   * As {@link @cachestack/core!BaseBackend.set | BaseBackend.set}.
   * Rejects with `VALUE_TOO_LARGE` (old value kept) when the value exceeds
   * {@link MemoryBackendOptions.maxValueBytes} or its entry exceeds
   * {@link MemoryBackendOptions.maxBytes}.
   */
  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    const tracer = this.#runner.tracer;
    if (!tracer.active) return this.#set(key, value, ttlMs, false);
    return tracer.trace('set', key, undefined, () => this.#set(key, value, ttlMs, false));
  }

  /**
   * Core's transferred-write protocol: {@link MemoryBackend.set}, but keeps
   * `value` itself instead of a copy when it owns its memory wholly (core's
   * `ownsWholeBuffer`) and is larger than a small value kept as a string;
   * copies otherwise, and under a simulated delay. The caller must never
   * touch `value` again. Traced as a `set`.
   */
  [TRANSFERRED_SET](key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    const tracer = this.#runner.tracer;
    if (!tracer.active) return this.#set(key, value, ttlMs, true);
    return tracer.trace('set', key, undefined, () => this.#set(key, value, ttlMs, true));
  }

  #set(
    key: string,
    value: Uint8Array,
    ttlMs: number | undefined,
    transferred: boolean,
  ): Promise<void> {
    try {
      assertValidKey(key, 'set');
      assertValidValue(value, 'set', key, this.#options.maxValueBytes);
      const ttl = normalizeTtl(ttlMs, 'set', key);
      const size = this.#entries.sizeOf(key, value, 'set');
      if (this.#closed) throw closedError('set', BACKEND_TYPE, key);
      const runner = this.#runner;
      if (runner.delayMs !== 0) return this.#slowSet(key, new Uint8Array(value), ttl ?? 0, size);
      this.#entries.write(key, value, ttl ?? 0, size, transferred);
      if (runner.timeouts.limitFor('set') === undefined) return Promise.resolve();
      return runner.resolve('set', key, undefined);
    } catch (error) {
      return Promise.reject(toBackendError(error, 'set', key));
    }
  }

  /** {@inheritDoc @cachestack/core!BaseBackend.delete} */
  delete(key: string): Promise<boolean> {
    return this.#runner.run('delete', key, () => {
      assertValidKey(key, 'delete');
      this.#assertOpen('delete', key);
      return this.#entries.delete(key);
    });
  }

  /**
   * As {@link @cachestack/core!BaseBackend.exists | BaseBackend.exists}.
   * Does not count as a use.
   */
  exists(key: string): Promise<boolean> {
    return this.#runner.run('exists', key, () => {
      assertValidKey(key, 'exists');
      this.#assertOpen('exists', key);
      return this.#entries.has(key);
    });
  }

  /**
   * As {@link @cachestack/core!TTLInspectable.getTtl | TTLInspectable.getTtl}.
   * Whole ms, rounded up.
   */
  getTtl(key: string): Promise<number | undefined> {
    return this.#runner.run('getTtl', key, () => {
      assertValidKey(key, 'getTtl');
      this.#assertOpen('getTtl', key);
      return this.#entries.remainingTtl(key);
    });
  }

  /**
   * As {@link @cachestack/core!TTLInspectable.refreshTtl | TTLInspectable.refreshTtl}.
   * Counts as a use.
   */
  refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    return this.#runner.run('refreshTtl', key, () => {
      assertValidKey(key, 'refreshTtl');
      const ttl = normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
      this.#assertOpen('refreshTtl', key);
      return this.#entries.refresh(key, ttl);
    });
  }

  /**
   * As {@link @cachestack/core!Lockable.acquireLock | Lockable.acquireLock}.
   * The lock excludes callers of this instance only. Its
   * {@link Lock.fencingToken} grows with every acquisition on this instance.
   * A `withTimeout('acquireLock', ms, …)` limit shorter than `waitMs` ends the
   * wait with a TIMEOUT error (and no lock is left behind).
   */
  acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    const tracer = this.#runner.tracer;
    if (!tracer.active) return this.#acquireLock(key, options);
    return tracer.trace('acquireLock', key, undefined, () => this.#acquireLock(key, options));
  }

  async #acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    try {
      assertValidKey(key, 'acquireLock');
      return await this.#locks.acquire(key, options);
    } catch (error) {
      throw toBackendError(error, 'acquireLock', key);
    }
  }

  /** {@inheritDoc @cachestack/core!TimeoutConfigurable.withTimeout} */
  withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    return this.#runner.timeouts.run(operation, timeoutMs, fn);
  }

  /**
   * As {@link @cachestack/core!Batch.getMany | Batch.getMany}.
   * Each hit counts as a use.
   */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const read = () => readMany(this.#entries, keys, this.#assertOpen);
    return this.#runner.run('getMany', undefined, read, keys);
  }

  /**
   * As {@link @cachestack/core!Batch.setMany | Batch.setMany}.
   * Every entry is validated (including its size) before any is stored.
   */
  setMany(entries: readonly BatchEntry[]): Promise<void> {
    const { maxValueBytes } = this.#options;
    const write = () => writeMany(this.#entries, entries, maxValueBytes, this.#assertOpen);
    return this.#runner.run('setMany', undefined, write, entries);
  }

  /** {@inheritDoc @cachestack/core!Batch.deleteMany} */
  deleteMany(keys: readonly string[]): Promise<number> {
    const remove = () => deleteMany(this.#entries, keys, this.#assertOpen);
    return this.#runner.run('deleteMany', undefined, remove, keys);
  }

  /**
   * As {@link @cachestack/core!Clearable.clear | Clearable.clear}.
   * Locks are not affected.
   */
  clear(): Promise<void> {
    return this.#runner.run('clear', undefined, () => {
      this.#assertOpen('clear');
      this.#entries.clear();
    });
  }

  /**
   * As {@link @cachestack/core!KeyIterable.keys | KeyIterable.keys}.
   * Lists the keys live when iteration starts, most recently used first,
   * skipping any deleted or expired before they are reached. Does not count
   * as a use.
   */
  async *keys(prefix?: string): AsyncGenerator<string, void, undefined> {
    assertValidPrefix(prefix);
    this.#assertOpen('keys');
    for (const key of this.#entries.keys(prefix)) {
      this.#assertOpen('keys');
      if (this.#entries.has(key)) yield key;
    }
  }

  /**
   * As {@link @cachestack/core!BaseBackend.healthCheck | BaseBackend.healthCheck}.
   * `details`: `entries` (stored, including expired ones not yet swept),
   * `bytes` (their {@link entrySizeBytes} total), `maxEntries`, `maxBytes`,
   * `maxValueBytes`, `locks` (held) and `snapshotPath`. Unhealthy once closed.
   */
  healthCheck(): Promise<HealthStatus> {
    const tracer = this.#runner.tracer;
    if (!tracer.active) return this.#healthCheck();
    return tracer.trace('healthCheck', undefined, undefined, () => this.#healthCheck());
  }

  #healthCheck(): Promise<HealthStatus> {
    return probeHealth(BACKEND_TYPE, () => {
      this.#assertOpen('healthCheck');
      return {
        entries: this.#entries.size,
        bytes: this.#entries.bytes,
        maxEntries: this.#options.maxEntries,
        maxBytes: this.#options.maxBytes,
        maxValueBytes: this.#options.maxValueBytes,
        locks: this.#locks.size,
        snapshotPath: this.#lifetime.snapshotPath,
      };
    });
  }

  /**
   * Closes the backend: later operations reject with PERMANENT `CLOSED`,
   * timers stop, entries and locks are dropped (lock waiters get `CLOSED`).
   * With a snapshot, the entries are saved first; if that save fails, close
   * rejects with a classified {@link BackendError}, but the backend is
   * closed all the same. Idempotent: later calls resolve once the first ends.
   */
  close(): Promise<void> {
    const tracer = this.#runner.tracer;
    if (!tracer.active) return this.#closeOnce();
    return tracer.trace('close', undefined, undefined, () => this.#closeOnce());
  }

  #closeOnce(): Promise<void> {
    this.#closed = true;
    return this.#lifetime.close();
  }

  /** Same as {@link MemoryBackend.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** {@link MemoryBackend.get} with simulated latency. */
  #slowGet(key: string): Promise<Uint8Array | undefined> {
    return this.#runner.slow('get', key, () => {
      this.#assertOpen('get', key);
      return this.#entries.read(key);
    });
  }

  /** {@link MemoryBackend.set} with simulated latency. */
  #slowSet(key: string, copy: Uint8Array, ttl: number, size: number): Promise<void> {
    return this.#runner.slow('set', key, () => {
      this.#assertOpen('set', key);
      this.#entries.write(key, copy, ttl, size);
    });
  }
}
