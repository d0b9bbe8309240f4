import {
  type AcquireLockOptions,
  assertValidKey,
  assertValidKeys,
  assertValidValue,
  type BaseBackend,
  type BatchEntry,
  closedError,
  type HealthStatus,
  isBatch,
  isClearable,
  isKeyIterable,
  isLockable,
  isTimeoutConfigurable,
  isTtlInspectable,
  type Lock,
  type Logger,
  normalizeBatchEntries,
  normalizeLockOptions,
  normalizeRequiredTtl,
  normalizeTtl,
  resolveLogger,
  type TimeoutOperation,
  toBackendError,
} from '@cachestack/core';
import type { WrapperOptions } from './wrapper-options.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type CapabilityMethods = Pick<
  BackendWrapper,
  | 'getTtl'
  | 'refreshTtl'
  | 'acquireLock'
  | 'withTimeout'
  | 'getMany'
  | 'setMany'
  | 'deleteMany'
  | 'clear'
  | 'keys'
>;

/**
 * Starts one operation for a {@link BackendWrapper.call} policy: a backend
 * method that throws synchronously (a non-async custom backend) becomes a
 * rejection, so the policy sees every failure in one place.
 */
export function startOperation<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The common part of every wrapper in this package: a backend that wraps
 * another backend and is itself a backend. It exposes an optional capability
 * (as an own property, so core's capability guards see it) exactly when the
 * wrapped backend offers it, and routes every call through two hooks:
 *
 * - {@link BackendWrapper.call} — a policy around each operation (time
 *   limits, load shedding, retries, a circuit breaker); default: none.
 * - {@link BackendWrapper.encode} / {@link BackendWrapper.decode} — a
 *   transformation of stored values (compression, encryption); default: none.
 *
 * The wrappers of this package extend it; extend it too to write your own
 * wrapper (override the hooks, call `super(inner, kind, options, transformsValues)`).
 */
export abstract class BackendWrapper implements BaseBackend {
  /** `kind(inner backendType)`, e.g. `encrypted(redis)`. */
  readonly backendType: string;
  /** Remaining TTL in ms; present when the wrapped backend is TTL-inspectable. */
  declare readonly getTtl?: (key: string) => Promise<number | undefined>;
  /** Makes a live key expire `ttlMs` from now; present when the wrapped backend is TTL-inspectable. */
  declare readonly refreshTtl?: (key: string, ttlMs: number) => Promise<boolean>;
  /** A lock from the wrapped backend; present when it is lockable. */
  declare readonly acquireLock?: (
    key: string,
    options: AcquireLockOptions,
  ) => Promise<Lock | undefined>;
  /** Scoped time limits; present when the wrapped backend is timeout-configurable (or the wrapper adds them). */
  declare readonly withTimeout?: <T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ) => Promise<T>;
  /** Values in the order of `keys`; present when the wrapped backend offers batches. */
  declare readonly getMany?: (keys: readonly string[]) => Promise<(Uint8Array | undefined)[]>;
  /** Stores every entry; present when the wrapped backend offers batches. */
  declare readonly setMany?: (entries: readonly BatchEntry[]) => Promise<void>;
  /** Removes every key, resolves how many existed; present when the wrapped backend offers batches. */
  declare readonly deleteMany?: (keys: readonly string[]) => Promise<number>;
  /** Removes the wrapped backend's entries; present when it is clearable. */
  declare readonly clear?: () => Promise<void>;
  /** Live keys; present when the wrapped backend is key-iterable. */
  declare readonly keys?: (prefix?: string) => AsyncIterable<string>;

  /** The wrapped backend. */
  protected readonly inner: BaseBackend;
  /** The `logger` option (a silent logger by default). */
  protected readonly logger: Logger;
  readonly #closeInner: boolean;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * @param inner - the backend to wrap (validated by the subclass).
   * @param kind - the wrapper's name in {@link BackendWrapper.backendType}.
   * @param transformsValues - true when {@link BackendWrapper.encode} changes values.
   */
  protected constructor(
    inner: BaseBackend,
    kind: string,
    options: WrapperOptions | undefined,
    protected readonly transformsValues: boolean,
  ) {
    const closeInner = options?.closeInner;
    if (closeInner !== undefined && typeof closeInner !== 'boolean') {
      throw new TypeError(
        `${kind}: option "closeInner" must be a boolean, got ${String(closeInner)}`,
      );
    }
    this.logger = resolveLogger(options?.logger, 'logger', kind);
    this.inner = inner;
    this.backendType = `${kind}(${inner.backendType})`;
    this.#closeInner = closeInner ?? true;
    this.#defineCapabilities();
  }

  /** True once {@link BackendWrapper.close} was called. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs one operation on the wrapped backend. Override to add a policy;
   * the default starts it as is.
   */
  protected call<T>(
    _operation: TimeoutOperation,
    _key: string | undefined,
    start: () => Promise<T>,
  ): Promise<T> {
    return start();
  }

  /** Turns a caller's value into the bytes to store. The default stores them as they are. */
  protected encode(_key: string, value: Uint8Array): Uint8Array | Promise<Uint8Array> {
    return value;
  }

  /** Turns stored bytes back into the caller's value. The default returns them as they are. */
  protected decode(
    _key: string,
    stored: Uint8Array,
    _operation: 'get' | 'getMany',
  ): Uint8Array | Promise<Uint8Array> {
    return stored;
  }

  /** Extra facts for {@link BackendWrapper.healthCheck}'s `details`. */
  protected healthDetails(): Record<string, unknown> {
    return {};
  }

  /** Offers `withTimeout` even when the wrapped backend does not (the adaptive-timeout wrapper). */
  protected ownWithTimeout():
    | (<T>(operation: TimeoutOperation, timeoutMs: number, fn: () => T | Promise<T>) => Promise<T>)
    | undefined {
    return undefined;
  }

  /** Lists keys of the wrapped backend; override to add a policy. */
  protected listKeys(list: (prefix?: string) => AsyncIterable<string>, prefix?: string) {
    return list(prefix);
  }

  /** The value from the wrapped backend (decoded), or `undefined` when missing or expired. */
  async get(key: string): Promise<Uint8Array | undefined> {
    this.#open('get', key);
    assertValidKey(key, 'get');
    if (!this.transformsValues) return this.call('get', key, () => this.inner.get(key));
    const stored = await this.call('get', key, () => this.inner.get(key));
    return stored === undefined ? undefined : this.#decoded(key, stored, 'get');
  }

  /**
   * Stores `value` (encoded) in the wrapped backend. Key, value and TTL are
   * validated first.
   * @param ttlMs - time to live in ms, finite and > 0; none: no expiry.
   */
  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    this.#open('set', key);
    assertValidKey(key, 'set');
    assertValidValue(value, 'set', key);
    const ttl = normalizeTtl(ttlMs, 'set', key);
    if (!this.transformsValues) return this.call('set', key, () => this.inner.set(key, value, ttl));
    const stored = await this.#encoded(key, value, 'set');
    return this.call('set', key, () => this.inner.set(key, stored, ttl));
  }

  /** Removes the key from the wrapped backend; `true` if it existed. */
  async delete(key: string): Promise<boolean> {
    this.#open('delete', key);
    assertValidKey(key, 'delete');
    return this.call('delete', key, () => this.inner.delete(key));
  }

  /** True when the wrapped backend has the key (without decoding its value). */
  async exists(key: string): Promise<boolean> {
    this.#open('exists', key);
    assertValidKey(key, 'exists');
    return this.call('exists', key, () => this.inner.exists(key));
  }

  /**
   * The wrapped backend's health under this wrapper's `backendType`;
   * `details.inner` names the wrapped backend's type. Never throws.
   */
  async healthCheck(): Promise<HealthStatus> {
    if (this.#closed) {
      return {
        healthy: false,
        latencyMs: 0,
        backendType: this.backendType,
        details: {},
        error: `the ${this.backendType} backend is closed`,
      };
    }
    let status: HealthStatus;
    try {
      status = await this.inner.healthCheck();
    } catch (error) {
      status = {
        healthy: false,
        latencyMs: 0,
        backendType: this.inner.backendType,
        details: {},
        error: toBackendError(error, 'healthCheck').message,
      };
    }
    return {
      ...status,
      backendType: this.backendType,
      details: { ...status.details, ...this.healthDetails(), inner: status.backendType },
    };
  }

  /** Closes the wrapped backend unless `closeInner` is false. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#closeInner ? this.inner.close() : Promise.resolve();
    return this.#closing;
  }

  /** Same as {@link BackendWrapper.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** {@link BackendWrapper.encode}, with any failure classified (a native error never escapes). */
  async #encoded(key: string, value: Uint8Array, operation: string): Promise<Uint8Array> {
    try {
      return await this.encode(key, value);
    } catch (error) {
      throw toBackendError(error, operation, key);
    }
  }

  /** {@link BackendWrapper.decode}, with any failure classified. */
  async #decoded(
    key: string,
    stored: Uint8Array,
    operation: 'get' | 'getMany',
  ): Promise<Uint8Array> {
    try {
      return await this.decode(key, stored, operation);
    } catch (error) {
      throw toBackendError(error, operation, key);
    }
  }

  #open(operation: string, key?: string): void {
    if (this.#closed) throw closedError(operation, this.backendType, key);
  }

  #defineCapabilities(): void {
    const inner = this.inner;
    const self = this as Mutable<CapabilityMethods>;
    if (isTtlInspectable(inner)) {
      self.getTtl = async (key) => {
        this.#open('getTtl', key);
        assertValidKey(key, 'getTtl');
        return this.call('getTtl', key, () => inner.getTtl(key));
      };
      self.refreshTtl = async (key, ttlMs) => {
        this.#open('refreshTtl', key);
        assertValidKey(key, 'refreshTtl');
        normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
        return this.call('refreshTtl', key, () => inner.refreshTtl(key, ttlMs));
      };
    }
    if (isLockable(inner)) {
      self.acquireLock = async (key, options) => {
        this.#open('acquireLock', key);
        assertValidKey(key, 'acquireLock');
        normalizeLockOptions(options, key);
        return this.call('acquireLock', key, () => inner.acquireLock(key, options));
      };
    }
    const own = this.ownWithTimeout();
    if (own !== undefined) self.withTimeout = own;
    else if (isTimeoutConfigurable(inner)) {
      self.withTimeout = (operation, timeoutMs, fn) => inner.withTimeout(operation, timeoutMs, fn);
    }
    if (isBatch(inner)) this.#defineBatch(inner, self);
    if (isClearable(inner)) {
      self.clear = async () => {
        this.#open('clear');
        return this.call('clear', undefined, () => inner.clear());
      };
    }
    if (isKeyIterable(inner)) {
      const list = (prefix?: string) => inner.keys(prefix);
      const wrapper = this;
      self.keys = (prefix) => ({
        async *[Symbol.asyncIterator]() {
          wrapper.#open('keys');
          yield* wrapper.listKeys(list, prefix);
        },
      });
    }
  }

  #defineBatch(
    inner: BaseBackend & Required<Pick<CapabilityMethods, 'getMany' | 'setMany' | 'deleteMany'>>,
    self: Mutable<CapabilityMethods>,
  ): void {
    self.getMany = async (keys) => {
      this.#open('getMany');
      assertValidKeys(keys, 'getMany');
      if (!this.transformsValues) return this.call('getMany', undefined, () => inner.getMany(keys));
      const stored = await this.call('getMany', undefined, () => inner.getMany(keys));
      return Promise.all(
        stored.map((bytes, index) =>
          bytes === undefined ? undefined : this.#decoded(keys[index] as string, bytes, 'getMany'),
        ),
      );
    };
    self.setMany = async (entries) => {
      this.#open('setMany');
      const normalized = normalizeBatchEntries(entries, 'setMany');
      if (!this.transformsValues) {
        return this.call('setMany', undefined, () => inner.setMany(normalized));
      }
      const encoded = await Promise.all(
        normalized.map(async (entry) => ({
          ...entry,
          value: await this.#encoded(entry.key, entry.value, 'setMany'),
        })),
      );
      return this.call('setMany', undefined, () => inner.setMany(encoded));
    };
    self.deleteMany = async (keys) => {
      this.#open('deleteMany');
      assertValidKeys(keys, 'deleteMany');
      return this.call('deleteMany', undefined, () => inner.deleteMany(keys));
    };
  }
}
