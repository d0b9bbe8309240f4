import { EventEmitter } from 'node:events';
import {
  type AcquireLockOptions,
  assertKnownOptions,
  type BaseBackend,
  isBatch,
  isClearable,
  isKeyIterable,
  type Lock,
  requireCapability,
  toBackendError,
} from '@cachestack/core';
import type { KeyvCachestackOptions, KeyvCachestackStoreOpts } from './keyv-cachestack-options.js';
import {
  ALREADY_EXPIRED,
  decodeKeyvValue,
  encodeKeyvValue,
  keyvTtlToBackendTtl,
} from './keyv-values.js';

/** Every option name of {@link KeyvCachestackOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  backend: true,
  closeOnDisconnect: true,
} satisfies Record<keyof KeyvCachestackOptions, true>);

/** One entry of {@link KeyvCachestack.setMany}, as Keyv hands it over. */
export interface KeyvStoreEntry {
  /** The key, already prefixed by Keyv (`namespace:key`). */
  key: string;
  /** Keyv's serialized value: a string. */
  value: unknown;
  /** Time to live in ms; `undefined` or `0`: no expiry. */
  ttl?: number | undefined;
}

/** Keys deleted per `deleteMany` call while clearing a namespace. */
const CLEAR_CHUNK = 500;

/**
 * A Keyv storage adapter over any cachestack backend: `new Keyv({ store:
 * new KeyvCachestack({ backend }) })`, and through Keyv, cache-manager 7's
 * `createCache({ stores: [...] })` and NestJS's `CacheModule`.
 *
 * - Values: Keyv's serialized strings, stored as UTF-8 bytes.
 * - Keys: Keyv's `namespace:key`, used as the backend's key (inside the
 *   backend's own namespace, e.g. a `RedisBackend`'s `namespace`).
 * - TTLs: Keyv's ms; `undefined` and `0` mean no expiry, a negative TTL
 *   deletes the key (the entry would be expired already).
 * - Errors: every failure rejects with the backend's classified
 *   `BackendError` (TRANSIENT, TIMEOUT, PERMANENT, AUTHENTICATION). Keyv
 *   emits write failures as its `error` event or throws them with
 *   `throwOnErrors: true`; Keyv 5 turns a failed `get` into a miss unless
 *   `throwOnErrors` is set.
 * - Capabilities: `getMany`/`setMany`/`deleteMany` use the backend's `batch`
 *   capability when it has one; `clear()` of a namespace and `iterator()`
 *   need `keys`; {@link KeyvCachestack.acquireLock} needs `lock`.
 *
 * The store emits no events of its own: it is an `EventEmitter` because Keyv
 * subscribes to a store's `error` event.
 */
export class KeyvCachestack extends EventEmitter {
  /**
   * Keyv's namespace for this store. Keyv sets it (`'keyv'` by default) and
   * prefixes every key with `namespace:`; `clear()` and `iterator()` act on
   * that prefix only. `undefined`: the whole backend.
   */
  namespace: string | undefined;
  /** Read by Keyv 5; see {@link KeyvCachestackStoreOpts}. */
  readonly opts: KeyvCachestackStoreOpts;
  readonly #backend: BaseBackend;
  readonly #closeOnDisconnect: boolean;

  /**
   * @throws {TypeError} when `options.backend` is not a cachestack backend or
   *   `closeOnDisconnect` is not a boolean.
   */
  constructor(options: KeyvCachestackOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('KeyvCachestack: options must be an object such as { backend }');
    }
    assertKnownOptions(options, OPTION_NAMES, 'KeyvCachestack');
    const { backend, closeOnDisconnect } = options;
    if (!isBackend(backend)) {
      throw new TypeError(
        'KeyvCachestack: option "backend" must be a cachestack backend (get, set, delete, exists, close), ' +
          'e.g. new SqliteBackend({ path })',
      );
    }
    if (closeOnDisconnect !== undefined && typeof closeOnDisconnect !== 'boolean') {
      throw new TypeError(
        `KeyvCachestack: option "closeOnDisconnect" must be a boolean, got ${typeof closeOnDisconnect}`,
      );
    }
    this.#backend = backend;
    this.#closeOnDisconnect = closeOnDisconnect ?? true;
    this.opts = { dialect: isKeyIterable(backend) ? 'redis' : 'cachestack', url: 'cachestack://' };
  }

  /** The cachestack backend underneath. */
  get backend(): BaseBackend {
    return this.#backend;
  }

  /**
   * Keyv's serialized string for `key`, or `undefined` when missing or expired.
   * @typeParam Value - only for Keyv's store type; what resolves is the string.
   */
  async get<Value = string>(key: string): Promise<Value | undefined> {
    const bytes = await this.#call('get', key, () => this.#backend.get(key));
    return (bytes === undefined ? undefined : decodeKeyvValue(bytes, 'get', key)) as Value;
  }

  /**
   * The serialized strings for `keys`, in order; one round trip on backends
   * with the `batch` capability.
   * @typeParam Value - only for Keyv's store type; what resolves are strings.
   */
  async getMany<Value = string>(keys: string[]): Promise<(Value | undefined)[]> {
    const backend = this.#backend;
    const all = await this.#call('getMany', undefined, () =>
      isBatch(backend) ? backend.getMany(keys) : Promise.all(keys.map((key) => backend.get(key))),
    );
    return all.map((bytes, index) =>
      bytes === undefined ? undefined : decodeKeyvValue(bytes, 'getMany', keys[index] ?? ''),
    ) as (Value | undefined)[];
  }

  /**
   * Stores Keyv's serialized string.
   * @param ttl - ms; `undefined` or `0`: no expiry; negative: the key is deleted.
   * @returns `true` (a failure rejects with a `BackendError`).
   */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const ttlMs = keyvTtlToBackendTtl(ttl, 'set', key);
    const bytes = encodeKeyvValue(value, 'set', key);
    await this.#call('set', key, async () => {
      if (ttlMs === ALREADY_EXPIRED) await this.#backend.delete(key);
      else await this.#backend.set(key, bytes, ttlMs);
    });
    return true;
  }

  /**
   * Stores several entries (one round trip on `batch` backends). Every entry
   * is checked before anything is written. Resolves nothing, as Keyv 5's
   * store type says (a failure rejects with a `BackendError`).
   */
  async setMany(entries: KeyvStoreEntry[]): Promise<void> {
    const live: { key: string; value: Uint8Array; ttlMs: number | undefined }[] = [];
    const expired: string[] = [];
    for (const { key, value, ttl } of entries) {
      const ttlMs = keyvTtlToBackendTtl(ttl, 'setMany', key);
      const bytes = encodeKeyvValue(value, 'setMany', key);
      if (ttlMs === ALREADY_EXPIRED) expired.push(key);
      else live.push({ key, value: bytes, ttlMs });
    }
    const backend = this.#backend;
    await this.#call('setMany', undefined, async () => {
      if (isBatch(backend)) await backend.setMany(live);
      else await Promise.all(live.map((entry) => backend.set(entry.key, entry.value, entry.ttlMs)));
      if (expired.length > 0) await this.#deleteKeys(expired);
    });
  }

  /** Deletes `key`; `true` if it existed. */
  async delete(key: string): Promise<boolean> {
    return this.#call('delete', key, () => this.#backend.delete(key));
  }

  /**
   * Deletes `keys` (one round trip on `batch` backends).
   * @returns `true` when every key existed (Keyv 5's meaning).
   */
  async deleteMany(keys: string[]): Promise<boolean> {
    const unique = [...new Set(keys)];
    const deleted = await this.#call('deleteMany', undefined, () => this.#deleteKeys(unique));
    return deleted === unique.length;
  }

  /** `true` when `key` exists and has not expired. */
  async has(key: string): Promise<boolean> {
    return this.#call('has', key, () => this.#backend.exists(key));
  }

  /** {@link KeyvCachestack.has} for each key, in order. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    return this.#call('hasMany', undefined, () =>
      Promise.all(keys.map((key) => this.#backend.exists(key))),
    );
  }

  /**
   * Deletes this store's entries: the keys under `namespace:` when Keyv set a
   * namespace (needs the backend's `keys` capability), else every entry of
   * the backend (its `clear` capability, or `keys`). Entries of other Keyv
   * namespaces and outside the backend's own namespace stay.
   * @throws {CapabilityNotAvailableError} when the backend cannot do it.
   */
  async clear(): Promise<void> {
    const backend = this.#backend;
    const prefix = this.#prefix(this.namespace);
    if (prefix === undefined && isClearable(backend)) {
      await this.#call('clear', undefined, () => backend.clear());
      return;
    }
    const listing = requireCapability(backend, 'keys');
    await this.#call('clear', undefined, async () => {
      const keys: string[] = [];
      for await (const key of listing.keys(prefix)) keys.push(key);
      for (let start = 0; start < keys.length; start += CLEAR_CHUNK) {
        await this.#deleteKeys(keys.slice(start, start + CLEAR_CHUNK));
      }
    });
  }

  /**
   * Yields `[key, serialized value]` for each live entry under `namespace:`
   * (every entry without a namespace). Keyv wraps it as `keyv.iterator()`.
   * Needs the backend's `keys` capability.
   * @param namespace - Keyv passes its own; defaults to {@link KeyvCachestack.namespace}.
   * @throws {CapabilityNotAvailableError} when the backend cannot list keys.
   */
  async *iterator(
    namespace: string | undefined = this.namespace,
  ): AsyncGenerator<[string, string]> {
    const listing = requireCapability(this.#backend, 'keys');
    const keys: string[] = [];
    await this.#call('iterator', undefined, async () => {
      for await (const key of listing.keys(this.#prefix(namespace))) keys.push(key);
    });
    for (const key of keys) {
      const value = await this.get<string>(key);
      if (value !== undefined) yield [key, value]; // expired or deleted since listed: skipped
    }
  }

  /**
   * A cross-process lock on a Keyv key, from the backend's `lock` capability
   * (Redis, SQLite, file, memory): the lock key is `namespace:key`, like the
   * data key, and never collides with it. For stampedes and duplicate work,
   * not for correctness (see the backend's README).
   * @param options - `ttlMs`: the lock expires by itself after it (ms);
   *   `waitMs`: how long to wait for it (ms, default 0: one try).
   * @returns the held `Lock` (release it, or `await using`), or `undefined`
   *   when `waitMs` passed without getting it.
   * @throws {CapabilityNotAvailableError} when the backend has no locks.
   */
  async acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    const locking = requireCapability(this.#backend, 'lock');
    const prefix = this.#prefix(this.namespace) ?? '';
    return locking.acquireLock(`${prefix}${key}`, options);
  }

  /**
   * Called by Keyv's `disconnect()`: closes the backend unless
   * `closeOnDisconnect` is `false`. Idempotent.
   */
  async disconnect(): Promise<void> {
    if (this.#closeOnDisconnect) await this.#backend.close();
  }

  #prefix(namespace: string | undefined): string | undefined {
    return namespace ? `${namespace}:` : undefined;
  }

  /** Deletes `keys` (distinct), resolving how many existed. */
  async #deleteKeys(keys: string[]): Promise<number> {
    const backend = this.#backend;
    if (isBatch(backend)) return backend.deleteMany(keys);
    const results = await Promise.all(keys.map((key) => backend.delete(key)));
    return results.filter(Boolean).length;
  }

  /** Runs a backend call; a non-`BackendError` from a third-party backend is classified. */
  async #call<T>(operation: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toBackendError(error, operation, key);
    }
  }
}

function isBackend(value: unknown): value is BaseBackend {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['get', 'set', 'delete', 'exists', 'close'].every(
    (name) => typeof candidate[name] === 'function',
  );
}
