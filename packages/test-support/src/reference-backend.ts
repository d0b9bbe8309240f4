import {
  type AcquireLockOptions,
  assertValidKey,
  assertValidKeys,
  assertValidPrefix,
  assertValidValue,
  BackendError,
  type BaseBackend,
  type Batch,
  type BatchEntry,
  type Clearable,
  closedError,
  copyBytes,
  type HealthStatus,
  type InProcessLockTable,
  type KeyIterable,
  type Lock,
  type Lockable,
  normalizeBatchEntries,
  normalizeRequiredTtl,
  normalizeTtl,
  normalizeWaitMs,
  OperationTimeouts,
  probeHealth,
  type TimeoutConfigurable,
  type TimeoutOperation,
  type TTLInspectable,
} from '@cachestack/core';
import { type ReferenceEntry, ReferenceStore } from './reference-store.js';

/** Options of {@link ReferenceBackend}. */
export interface ReferenceBackendOptions {
  /** Reject every operation with AUTHENTICATION (for `createWithBadCredentials`). */
  badCredentials?: boolean;
  /** Largest value in bytes. @default {@link REFERENCE_MAX_VALUE_BYTES} */
  maxValueBytes?: number;
}

/** The reference backend's default largest value, in bytes (8 MiB). */
export const REFERENCE_MAX_VALUE_BYTES = 8 * 1024 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A small, correct in-memory backend with every capability, for tests only.
 * The conformance kit proves itself on it and derives one-rule-violating
 * variants from it (hence `protected` internals); the cache facade's tests run
 * on it, counting operations with {@link ReferenceBackend.calls} and failing
 * them with {@link ReferenceBackend.failWith}. Faults that hit every backend on
 * a store (down, slow) are switches of its {@link ReferenceStore}.
 */
export class ReferenceBackend
  implements
    BaseBackend,
    TTLInspectable,
    Lockable,
    TimeoutConfigurable,
    Batch,
    Clearable,
    KeyIterable
{
  readonly backendType: string = 'reference';
  /** How many times each operation was called (named as in `TimeoutOperation`). */
  readonly calls: Record<string, number> = {};
  /** When set, every operation rejects with this error. */
  failWith: BackendError | undefined;
  protected readonly store: ReferenceStore;
  protected readonly namespace: string;
  protected closed = false;
  protected readonly maxValueBytes: number;
  readonly #timeouts = new OperationTimeouts();
  readonly #badCredentials: boolean;

  /**
   * @param store - the store it shares with other instances (a fresh one by default)
   * @param namespace - its namespace in the store (entries and locks)
   */
  constructor(
    store: ReferenceStore = new ReferenceStore(),
    namespace = '',
    options: ReferenceBackendOptions = {},
  ) {
    this.store = store;
    this.namespace = namespace;
    this.#badCredentials = options.badCredentials ?? false;
    this.maxValueBytes = options.maxValueBytes ?? REFERENCE_MAX_VALUE_BYTES;
  }

  protected get entries(): Map<string, ReferenceEntry> {
    return this.store.entries(this.namespace);
  }

  protected get lockTable(): InProcessLockTable {
    return this.store.locks(this.namespace);
  }

  protected now(): number {
    return this.store.clock();
  }

  protected expiresAt(ttlMs: number | undefined): number | undefined {
    return ttlMs === undefined ? undefined : this.now() + ttlMs;
  }

  /** The live entry for `key`, dropping it when expired. */
  protected live(key: string): ReferenceEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  protected validateKey(key: unknown, operation: string): asserts key is string {
    assertValidKey(key, operation);
  }

  /** Runs one store operation: count, closed check, faults, latency and the timeout scope. */
  protected run<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    if (this.closed) return Promise.reject(closedError(operation, this.backendType, key));
    return this.#timeouts.guard(operation, key, async () => {
      if (this.#badCredentials) {
        throw new BackendError({
          type: 'AUTHENTICATION',
          code: 'AUTHENTICATION_FAILED',
          message: 'bad password',
          operation,
          key,
        });
      }
      if (this.store.delayMs > 0) await sleep(this.store.delayMs);
      if (this.store.unavailable) {
        throw new BackendError({
          type: 'TRANSIENT',
          code: 'UNAVAILABLE',
          message: 'store is down',
          operation,
          key,
        });
      }
      if (this.failWith !== undefined) throw this.failWith;
      return fn();
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.validateKey(key, 'get');
    return this.run('get', key, () => {
      const entry = this.live(key);
      return entry === undefined ? undefined : copyBytes(entry.value);
    });
  }

  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    this.validateKey(key, 'set');
    assertValidValue(value, 'set', key, this.maxValueBytes);
    const ttl = normalizeTtl(ttlMs, 'set', key);
    const copy = copyBytes(value);
    return this.run('set', key, () => {
      this.entries.set(key, { value: copy, expiresAt: this.expiresAt(ttl) });
    });
  }

  async delete(key: string): Promise<boolean> {
    this.validateKey(key, 'delete');
    return this.run('delete', key, () => this.live(key) !== undefined && this.entries.delete(key));
  }

  async exists(key: string): Promise<boolean> {
    this.validateKey(key, 'exists');
    return this.run('exists', key, () => this.live(key) !== undefined);
  }

  async getTtl(key: string): Promise<number | undefined> {
    this.validateKey(key, 'getTtl');
    return this.run('getTtl', key, () => {
      const entry = this.live(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt === undefined) return Number.POSITIVE_INFINITY;
      return Math.max(1, Math.ceil(entry.expiresAt - this.now()));
    });
  }

  async refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    this.validateKey(key, 'refreshTtl');
    const ttl = normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
    return this.run('refreshTtl', key, () => {
      const entry = this.live(key);
      if (entry === undefined) return false;
      entry.expiresAt = this.expiresAt(ttl);
      return true;
    });
  }

  async acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    this.validateKey(key, 'acquireLock');
    if (typeof options !== 'object' || options === null) {
      throw new BackendError({
        type: 'PERMANENT',
        code: 'INVALID_ARGUMENT',
        message: 'options must be { ttlMs, waitMs? }',
        operation: 'acquireLock',
        key,
      });
    }
    const ttl = normalizeRequiredTtl(options.ttlMs, 'acquireLock', key);
    const wait = normalizeWaitMs(options.waitMs, 'acquireLock', key);
    const table = this.lockTable;
    const lock = await this.run('acquireLock', key, () => table.acquireLock(key, ttl, wait));
    if (lock === undefined) return undefined;
    return this.wrapLock(lock);
  }

  /** Routes a lock handle's release and extend through the closed check and faults. */
  protected wrapLock(lock: Lock): Lock {
    const run = this.run.bind(this);
    const handle: Lock = {
      key: lock.key,
      token: lock.token,
      fencingToken: lock.fencingToken,
      release: () => run('releaseLock', lock.key, () => lock.release()),
      extend: async (ttlMs: number) => {
        normalizeRequiredTtl(ttlMs, 'extendLock', lock.key);
        return run('extendLock', lock.key, () => lock.extend(ttlMs));
      },
      [Symbol.asyncDispose]: async () => {
        await handle.release();
      },
    };
    return handle;
  }

  async withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    return this.#timeouts.run(operation, timeoutMs, fn);
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    assertValidKeys(keys, 'getMany');
    return this.run('getMany', undefined, () =>
      keys.map((key) => {
        const entry = this.live(key);
        return entry === undefined ? undefined : copyBytes(entry.value);
      }),
    );
  }

  async setMany(entries: readonly BatchEntry[]): Promise<void> {
    const normalized = normalizeBatchEntries(entries, 'setMany', this.maxValueBytes).map(
      (entry) => ({
        ...entry,
        value: copyBytes(entry.value),
      }),
    );
    return this.run('setMany', undefined, () => {
      for (const entry of normalized) {
        this.entries.set(entry.key, { value: entry.value, expiresAt: this.expiresAt(entry.ttlMs) });
      }
    });
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    assertValidKeys(keys, 'deleteMany');
    return this.run('deleteMany', undefined, () => {
      let count = 0;
      for (const key of new Set(keys))
        if (this.live(key) !== undefined && this.entries.delete(key)) count++;
      return count;
    });
  }

  async clear(): Promise<void> {
    return this.run('clear', undefined, () => {
      this.entries.clear();
    });
  }

  keys(prefix?: string): AsyncIterable<string> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        assertValidPrefix(prefix);
        const keys = await self.run('keys', undefined, () =>
          [...self.entries.keys()].filter((key) => self.live(key) !== undefined),
        );
        for (const key of keys) if (prefix === undefined || key.startsWith(prefix)) yield key;
      },
    };
  }

  /**
   * Writes raw bytes straight into the store, bypassing validation, faults and
   * counting (to plant corrupt entries).
   */
  plant(key: string, bytes: Uint8Array, ttlMs?: number): void {
    this.entries.set(key, { value: copyBytes(bytes), expiresAt: this.expiresAt(ttlMs) });
  }

  /** The keys stored in this namespace, expired ones included. */
  rawKeys(): string[] {
    return [...this.entries.keys()];
  }

  healthCheck(): Promise<HealthStatus> {
    return probeHealth(this.backendType, async () => {
      if (this.closed) throw closedError('healthCheck', this.backendType);
      await this.run('healthCheck', undefined, () => undefined);
      return { entries: this.entries.size };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
