import {
  type AcquireLockOptions,
  assertValidKey,
  assertValidKeys,
  assertValidValue,
  BackendError,
  BackendErrorType,
  type BaseBackend,
  type Batch,
  type BatchEntry,
  type Clearable,
  closedError,
  copyBytes,
  type HealthStatus,
  InProcessLockTable,
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

interface Entry {
  value: Buffer;
  /** Date.now() epoch ms (so vitest fake timers control it). */
  expiresAt: number | undefined;
}

/** Faults of a store ("the server"), shared by every instance on it. */
export interface StoreConditions {
  /** Every operation fails with TRANSIENT `UNAVAILABLE`. */
  unavailable: boolean;
  /** Extra latency of every operation, in ms. */
  delayMs: number;
}

/** One store that several {@link TestBackend} instances can share, like two processes on one file. */
export interface SharedStore {
  entries: Map<string, Entry>;
  locks: InProcessLockTable;
  conditions: StoreConditions;
  /** When set, instances must present this password. */
  password?: string | undefined;
}

/** A fresh, empty {@link SharedStore}. */
export function createSharedStore(
  conditions: StoreConditions = { unavailable: false, delayMs: 0 },
  password?: string,
): SharedStore {
  return { entries: new Map(), locks: new InProcessLockTable(), conditions, password };
}

/** Largest value the test backend stores, in bytes. */
export const TEST_MAX_VALUE_BYTES = 8 * 1024 * 1024;

/**
 * A small, correct in-memory backend for the cache's tests: TTL, locks
 * (core's InProcessLockTable), batch, clear and keys. `failWith` makes every
 * operation reject; `calls` counts operations; `delayMs` slows every call.
 */
export class TestBackend
  implements
    BaseBackend,
    TTLInspectable,
    Lockable,
    TimeoutConfigurable,
    Batch,
    Clearable,
    KeyIterable
{
  readonly backendType = 'test';
  readonly calls: Record<string, number> = {};
  /** When set, every operation rejects with this error. */
  failWith: BackendError | undefined;
  /** Extra latency per operation, in ms. */
  delayMs = 0;
  readonly #store: SharedStore;
  readonly #password: string | undefined;
  readonly #timeouts = new OperationTimeouts();
  #closed = false;

  constructor(store: SharedStore = createSharedStore(), password?: string) {
    this.#store = store;
    this.#password = password;
  }

  withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    return this.#timeouts.run(operation, timeoutMs, fn);
  }

  async #enter(operation: TimeoutOperation, key?: string): Promise<void> {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    if (this.#closed) throw closedError(operation, this.backendType, key);
    await this.#timeouts.guard(operation, key, async () => {
      const delay = this.delayMs + this.#store.conditions.delayMs;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    });
    if (this.#closed) throw closedError(operation, this.backendType, key);
    if (this.#store.conditions.unavailable) {
      throw new BackendError({
        type: BackendErrorType.TRANSIENT,
        code: 'UNAVAILABLE',
        message: 'the test store is unavailable',
        operation,
        key,
      });
    }
    if (this.#store.password !== undefined && this.#password !== this.#store.password) {
      throw new BackendError({
        type: BackendErrorType.AUTHENTICATION,
        code: 'AUTHENTICATION_FAILED',
        message: 'wrong password for the test store',
        operation,
        key,
      });
    }
    if (this.failWith !== undefined) throw this.failWith;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#store.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.#store.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #put(key: string, value: Uint8Array, ttlMs: number | undefined): void {
    this.#store.entries.set(key, {
      value: copyBytes(value),
      expiresAt: ttlMs === undefined ? undefined : Date.now() + ttlMs,
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key, 'get');
    await this.#enter('get', key);
    const entry = this.#live(key);
    return entry === undefined ? undefined : copyBytes(entry.value);
  }

  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    assertValidKey(key, 'set');
    assertValidValue(value, 'set', key, TEST_MAX_VALUE_BYTES);
    const ttl = normalizeTtl(ttlMs, 'set', key);
    await this.#enter('set', key);
    this.#put(key, value, ttl);
  }

  async delete(key: string): Promise<boolean> {
    assertValidKey(key, 'delete');
    await this.#enter('delete', key);
    const existed = this.#live(key) !== undefined;
    this.#store.entries.delete(key);
    return existed;
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key, 'exists');
    await this.#enter('exists', key);
    return this.#live(key) !== undefined;
  }

  async getTtl(key: string): Promise<number | undefined> {
    assertValidKey(key, 'getTtl');
    await this.#enter('getTtl', key);
    const entry = this.#live(key);
    if (entry === undefined) return undefined;
    return entry.expiresAt === undefined ? Number.POSITIVE_INFINITY : entry.expiresAt - Date.now();
  }

  async refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    assertValidKey(key, 'refreshTtl');
    const ttl = normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
    await this.#enter('refreshTtl', key);
    const entry = this.#live(key);
    if (entry === undefined) return false;
    entry.expiresAt = Date.now() + ttl;
    return true;
  }

  async acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    assertValidKey(key, 'acquireLock');
    const ttl = normalizeRequiredTtl(options?.ttlMs, 'acquireLock', key);
    const waitMs = normalizeWaitMs(options?.waitMs, 'acquireLock', key);
    await this.#enter('acquireLock', key);
    return this.#store.locks.acquireLock(key, ttl, waitMs);
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    assertValidKeys(keys, 'getMany');
    await this.#enter('getMany');
    return keys.map((key) => {
      const entry = this.#live(key);
      return entry === undefined ? undefined : copyBytes(entry.value);
    });
  }

  async setMany(entries: readonly BatchEntry[]): Promise<void> {
    const normalized = normalizeBatchEntries(entries, 'setMany', TEST_MAX_VALUE_BYTES);
    await this.#enter('setMany');
    for (const entry of normalized) this.#put(entry.key, entry.value, entry.ttlMs);
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    assertValidKeys(keys, 'deleteMany');
    await this.#enter('deleteMany');
    let count = 0;
    for (const key of new Set(keys)) {
      if (this.#live(key) !== undefined) count++;
      this.#store.entries.delete(key);
    }
    return count;
  }

  async clear(): Promise<void> {
    await this.#enter('clear');
    this.#store.entries.clear();
  }

  async *keys(prefix?: string): AsyncIterable<string> {
    await this.#enter('keys');
    for (const key of [...this.#store.entries.keys()]) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue;
      if (this.#live(key) !== undefined) yield key;
    }
  }

  /** Writes raw bytes, bypassing the cache (to plant corrupt entries). */
  plant(key: string, bytes: Uint8Array, ttlMs?: number): void {
    this.#put(key, bytes, ttlMs);
  }

  /** Raw stored keys (including expired ones). */
  rawKeys(): string[] {
    return [...this.#store.entries.keys()];
  }

  healthCheck(): Promise<HealthStatus> {
    return probeHealth(this.backendType, async () => {
      await this.#enter('healthCheck');
      return { entries: this.#store.entries.size };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Exposes only the base contract of `backend` (no TTL, lock, batch, clear or keys). */
export function baseOnly(backend: BaseBackend): BaseBackend {
  return {
    backendType: backend.backendType,
    get: (key) => backend.get(key),
    set: (key, value, ttlMs) => backend.set(key, value, ttlMs),
    delete: (key) => backend.delete(key),
    exists: (key) => backend.exists(key),
    healthCheck: () => backend.healthCheck(),
    close: () => backend.close(),
    [Symbol.asyncDispose]: () => backend.close(),
  };
}

/** A promise and the functions that settle it. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
