import {
  assertValidKey,
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type BaseBackend,
  CapabilityNotAvailableError,
  isBatch,
  isClearable,
  isKeyIterable,
  normalizeTtl,
  toBackendError,
} from '@cachestack/core';
import { type CacheCore, callMs, invalidArgument } from './cache-core.js';
import type { CacheEventName, CacheListener } from './cache-events.js';
import type { CacheSetManyEntry, GetOrSetOptions, SetOptions } from './cache-options.js';
import type { CacheStats } from './cache-stats.js';
import { emptyStats } from './cache-stats.js';
import {
  checkCallOptions,
  GET_OR_SET_OPTION_NAMES,
  SET_MANY_ENTRY_NAMES,
  SET_OPTION_NAMES,
} from './call-options.js';
import { getOrSet } from './get-or-set.js';
import type { LoaderContext } from './loader-context.js';
import { MAX_TAGS_PER_CALL, normalizeTags, RESERVED_KEY_CHARACTER } from './tags.js';

/** Keys deleted per backend call when clearing a namespace. */
const CLEAR_CHUNK = 500;

/**
 * A typed cache over a {@link BaseBackend}. Create one with
 * {@link createCache}. Values go through the cache's serializer; every stored
 * value carries a small header with its freshness times (see
 * {@link GetOrSetOptions.graceMs}), so only values written by a cache are
 * readable by a cache.
 *
 * Keys are stored as `${namespace}:${key}` when the cache has a namespace
 * (nested namespaces compose: `a:b:key`). The full key must satisfy the
 * backend contract (at most 1024 UTF-8 bytes). A cache and its namespaces
 * share stats, events and in-flight loads.
 */
export class Cache {
  readonly #core: CacheCore;
  readonly #prefix: string;
  readonly #namespace: string | undefined;

  /** @internal Use {@link createCache}. */
  constructor(core: CacheCore, namespace: string | undefined, prefix: string) {
    this.#core = core;
    this.#namespace = namespace;
    this.#prefix = prefix;
  }

  /** The full namespace (`a:b` for nested ones), or `undefined` for the root cache. */
  get namespaceName(): string | undefined {
    return this.#namespace;
  }

  /** The backend this cache stores into. */
  get backend(): BaseBackend {
    return this.#core.settings.backend;
  }

  /**
   * The backend key for `key`: the namespace prefix plus `key`.
   * @throws BackendError `INVALID_KEY` for a key the backend contract refuses,
   *   or one containing U+0000 (reserved for tag versions).
   */
  storeKey(key: string, operation = 'storeKey'): string {
    assertValidKey(key, operation);
    if (key.includes(RESERVED_KEY_CHARACTER)) {
      throw new BackendError({
        type: BackendErrorType.PERMANENT,
        code: BackendErrorCode.INVALID_KEY,
        message: 'cache keys must not contain U+0000 (reserved for tag versions)',
        operation,
        key,
      });
    }
    if (this.#prefix === '') return key;
    const full = this.#prefix + key;
    assertValidKey(full, operation);
    return full;
  }

  /**
   * The fresh value of `key`, or `undefined` when it is missing, expired,
   * stale (past its `ttlMs`, even within a grace period) or corrupt (with
   * `onCorrupt: 'miss'`).
   */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const storeKey = this.storeKey(key, 'get');
    const result = await this.#core.read(storeKey, 'get');
    const hit = result.state === 'fresh';
    this.#core.emitRead(hit, key, storeKey);
    return hit ? (result.value as T) : undefined;
  }

  /** True when `key` has a fresh value (it reads the entry, since staleness is in its header). */
  async has(key: string): Promise<boolean> {
    const storeKey = this.storeKey(key, 'has');
    const result = await this.#core.read(storeKey, 'has');
    return result.state === 'fresh';
  }

  /**
   * Stores `value` (anything the serializer accepts except `undefined`;
   * `null` is a real value).
   * With `tags`, the current versions of the tags are read first (one
   * batched call) and stored inside the entry, in the same single write.
   * @throws BackendError `INVALID_ARGUMENT` when `options` is not an object
   *   (`set(key, value, 5000)`: write `{ ttlMs: 5000 }`) or has an unknown key,
   *   `INVALID_TTL` for a bad `ttlMs`, `INVALID_VALUE` for
   *   a value the serializer cannot encode, `INVALID_TAG` for a bad tag
   *   (nothing is written), or the backend's error.
   */
  async set<T>(key: string, value: T, options: SetOptions = {}): Promise<void> {
    const storeKey = this.storeKey(key, 'set');
    checkCallOptions(options, SET_OPTION_NAMES, 'set', storeKey);
    const tags = options.tags === undefined ? [] : normalizeTags(options.tags, 'set');
    // Encoding first validates the TTL and the value before anything is written.
    let { bytes, backendTtlMs } = this.#core.encode(value, storeKey, 'set', options.ttlMs);
    if (tags.length > 0) {
      const stamps = await this.#core.call('set', storeKey, () => this.#core.tags.observe(tags));
      ({ bytes, backendTtlMs } = this.#core.encode(
        value,
        storeKey,
        'set',
        options.ttlMs,
        0,
        stamps,
      ));
    }
    await this.#core.call('set', storeKey, () =>
      this.#core.settings.backend.set(storeKey, bytes, backendTtlMs),
    );
    this.#core.emitSet(key, storeKey, options.ttlMs);
  }

  /** Deletes `key`; resolves whether it existed (stale entries count as existing). */
  async delete(key: string): Promise<boolean> {
    const storeKey = this.storeKey(key, 'delete');
    const existed = await this.#core.call('delete', storeKey, () =>
      this.#core.settings.backend.delete(storeKey),
    );
    if (existed) this.#core.stats.deletes++;
    this.#core.emit('delete', () => ({ key, storeKey, existed }));
    return existed;
  }

  /**
   * Fresh values of `keys`, in order (`undefined` for misses). Uses the
   * backend's `getMany` when it offers Batch; every key is validated first.
   */
  async getMany<T = unknown>(keys: readonly string[]): Promise<(T | undefined)[]> {
    if (!Array.isArray(keys)) throw invalidArgument('keys must be an array', 'getMany');
    const storeKeys = keys.map((key) => this.storeKey(key, 'getMany'));
    const backend = this.#core.settings.backend;
    let results: Awaited<ReturnType<CacheCore['read']>>[];
    if (isBatch(backend)) {
      let bytes: (Uint8Array | undefined)[];
      try {
        bytes = await backend.getMany(storeKeys);
      } catch (error) {
        const classified = toBackendError(error, 'getMany');
        this.#core.report(classified, 'getMany', undefined, this.#core.settings.failOpen);
        if (!this.#core.settings.failOpen) throw classified;
        bytes = storeKeys.map(() => undefined);
      }
      results = await this.#core.decodeMany(bytes, storeKeys, 'getMany');
    } else {
      results = await Promise.all(
        storeKeys.map((storeKey) => this.#core.read(storeKey, 'getMany')),
      );
    }
    return results.map((result, i) => {
      const hit = result.state === 'fresh';
      this.#core.emitRead(hit, keys[i] as string, storeKeys[i] as string);
      return hit ? (result.value as T) : undefined;
    });
  }

  /**
   * Stores every entry. Every key, TTL and value is validated and serialized
   * before anything is written. Uses the backend's `setMany` when it offers
   * Batch (one call); otherwise the entries are set one by one, concurrently.
   */
  async setMany<T = unknown>(entries: readonly CacheSetManyEntry<T>[]): Promise<void> {
    if (!Array.isArray(entries)) throw invalidArgument('entries must be an array', 'setMany');
    const prepared = entries.map((entry) => {
      if (typeof entry !== 'object' || entry === null) {
        throw invalidArgument('each entry must be { key, value, ttlMs? }', 'setMany');
      }
      const storeKey = this.storeKey(entry.key, 'setMany');
      checkCallOptions(entry, SET_MANY_ENTRY_NAMES, 'setMany', storeKey);
      const tags = entry.tags === undefined ? [] : normalizeTags(entry.tags, 'setMany');
      const encoded = this.#core.encode(entry.value, storeKey, 'setMany', entry.ttlMs);
      return { key: entry.key, storeKey, ...encoded, ttlMs: entry.ttlMs, value: entry.value, tags };
    });
    const allTags = [...new Set(prepared.flatMap((p) => p.tags))];
    if (allTags.length > 0) {
      const stamps = await this.#core.call('setMany', undefined, () =>
        this.#core.tags.observe(allTags),
      );
      const byTag = new Map(stamps.map((stamp) => [stamp.tag, stamp]));
      for (const p of prepared) {
        if (p.tags.length === 0) continue;
        const own = p.tags.map((tag) => byTag.get(tag) as (typeof stamps)[number]);
        Object.assign(p, this.#core.encode(p.value, p.storeKey, 'setMany', p.ttlMs, 0, own));
      }
    }
    const backend = this.#core.settings.backend;
    await this.#core.call('setMany', undefined, async () => {
      if (isBatch(backend)) {
        await backend.setMany(
          prepared.map((p) => ({ key: p.storeKey, value: p.bytes, ttlMs: p.backendTtlMs })),
        );
      } else {
        await Promise.all(prepared.map((p) => backend.set(p.storeKey, p.bytes, p.backendTtlMs)));
      }
    });
    for (const p of prepared) this.#core.emitSet(p.key, p.storeKey, p.ttlMs);
  }

  /**
   * Removes this cache's entries. A namespaced cache deletes only keys under
   * its prefix (it needs a KeyIterable backend); the root cache uses the
   * backend's `clear()` (Clearable), or deletes every listed key.
   * @throws CapabilityNotAvailableError when the backend offers neither.
   */
  async clear(): Promise<void> {
    const backend = this.#core.settings.backend;
    if (this.#prefix === '' && isClearable(backend)) {
      await this.#core.call('clear', undefined, () => backend.clear());
      return;
    }
    if (!isKeyIterable(backend)) {
      throw new CapabilityNotAvailableError(
        this.#prefix === '' ? 'clear' : 'keys',
        backend.backendType,
      );
    }
    await this.#core.call('clear', undefined, async () => {
      const keys: string[] = [];
      for await (const key of backend.keys(this.#prefix === '' ? undefined : this.#prefix)) {
        keys.push(key);
      }
      for (let i = 0; i < keys.length; i += CLEAR_CHUNK) {
        const chunk = keys.slice(i, i + CLEAR_CHUNK);
        if (isBatch(backend)) await backend.deleteMany(chunk);
        else await Promise.all(chunk.map((key) => backend.delete(key)));
      }
    });
  }

  /**
   * A cache whose keys live under `${this namespace}:${name}:`. It shares
   * this cache's backend, serializer, options, stats, events and in-flight
   * loads.
   */
  namespace(name: string): Cache {
    if (
      typeof name !== 'string' ||
      name.length === 0 ||
      !name.isWellFormed() ||
      name.includes(RESERVED_KEY_CHARACTER)
    ) {
      throw new TypeError(
        `namespace must be a non-empty, well-formed string without U+0000, got ${String(name)}`,
      );
    }
    const full = this.#namespace === undefined ? name : `${this.#namespace}:${name}`;
    return new Cache(this.#core, full, `${full}:`);
  }

  /**
   * The fresh value of `key`; otherwise calls `loader`, stores what it
   * resolves (unless `undefined`, which is returned but not cached) and
   * returns it.
   *
   * - Single-flight: concurrent callers in this process for the same key
   *   share one loader call, and all get its result or its error. Errors are
   *   never cached.
   * - Across processes, when the backend is Lockable, the load runs under
   *   the backend's lock on the key: other processes wait for it (up to
   *   `lockWaitMs`), then read the stored value instead of loading.
   * - With `graceMs`, a stale value is served when the loader fails or is
   *   slower than `loaderTimeoutMs`; the load carries on in the background.
   *
   * - Tags ({@link GetOrSetOptions.tags}, and {@link LoaderContext.addTags}
   *   from the loader): their versions are read before the loader runs, so
   *   an invalidation during the load leaves the loaded value stale on
   *   arrival, never fresh. The loader may also choose the TTL
   *   ({@link LoaderContext.setTtl}).
   *
   * See {@link GetOrSetOptions} for every option.
   */
  async getOrSet<T>(
    key: string,
    loader: (context: LoaderContext) => Promise<T> | T,
    options: GetOrSetOptions = {},
  ): Promise<T> {
    const storeKey = this.storeKey(key, 'getOrSet');
    if (typeof loader !== 'function') {
      throw invalidArgument('loader must be a function', 'getOrSet', storeKey);
    }
    checkCallOptions(options, GET_OR_SET_OPTION_NAMES, 'getOrSet', storeKey);
    const settings = this.#core.settings;
    const ttlMs = normalizeTtl(options.ttlMs ?? settings.defaultTtlMs, 'getOrSet', storeKey);
    const onLockTimeout = options.onLockTimeout ?? 'load';
    if (onLockTimeout !== 'load' && onLockTimeout !== 'throw') {
      throw invalidArgument(`onLockTimeout must be 'load' or 'throw'`, 'getOrSet', storeKey);
    }
    const resolved = {
      ttlMs,
      graceMs: callMs(options.graceMs, 'graceMs', 'getOrSet', storeKey, true) ?? 0,
      loaderTimeoutMs: callMs(options.loaderTimeoutMs, 'loaderTimeoutMs', 'getOrSet', storeKey),
      lockTtlMs: callMs(options.lockTtlMs, 'lockTtlMs', 'getOrSet', storeKey) ?? settings.lockTtlMs,
      lockWaitMs:
        callMs(options.lockWaitMs, 'lockWaitMs', 'getOrSet', storeKey, true) ?? settings.lockWaitMs,
      onLockTimeout,
      lock: options.lock !== false,
      tags: options.tags === undefined ? [] : normalizeTags(options.tags, 'getOrSet'),
    };
    return (await getOrSet(this.#core, key, storeKey, loader, resolved)) as T;
  }

  /**
   * Invalidates every entry carrying any of `tags`, for every reader in
   * every process sharing the backend: one write per tag (a new tag
   * version), whatever the number of tagged entries. Readers compare the
   * versions stored in an entry with the current ones, so the entries are
   * misses from now on (their bytes expire on their own TTL). Tags are
   * scoped to the root cache's namespace: a sub-namespace shares them.
   * @throws BackendError `INVALID_TAG` (nothing written), or the backend's error.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    const valid = normalizeTags(tags, 'invalidateTags', MAX_TAGS_PER_CALL);
    await this.#core.call('invalidateTags', undefined, () =>
      this.#core.tags.bump(valid, 'invalidate'),
    );
  }

  /**
   * Soft invalidation: every entry carrying any of `tags` becomes stale (one
   * write per tag). `get` and `has` treat it as missing; `getOrSet` calls
   * the loader and, for entries written with a `graceMs`, may still serve
   * the stale value within it when the loader fails or is slower than
   * `loaderTimeoutMs`. Entries written without a grace period are gone, as
   * with {@link Cache.invalidateTags}.
   * @throws BackendError `INVALID_TAG` (nothing written), or the backend's error.
   */
  async expireTags(tags: readonly string[]): Promise<void> {
    const valid = normalizeTags(tags, 'expireTags', MAX_TAGS_PER_CALL);
    await this.#core.call('expireTags', undefined, () => this.#core.tags.bump(valid, 'expire'));
  }

  /** Adds a listener; returns a function that removes it. See {@link CacheEventMap}. */
  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): () => void {
    return this.#core.events.on(event, listener);
  }

  /** Removes a listener added with {@link Cache.on}. */
  off<E extends CacheEventName>(event: E, listener: CacheListener<E>): void {
    this.#core.events.off(event, listener);
  }

  /** A snapshot of the counters (shared with every namespace of this cache). */
  stats(): CacheStats {
    return { ...this.#core.stats };
  }

  /** Sets every counter back to 0. */
  resetStats(): void {
    this.#core.stats = emptyStats();
  }

  /**
   * Resolves when every load started so far (including background refreshes
   * after a stale value was served) has settled. Useful before closing the
   * backend and in tests.
   */
  idle(): Promise<void> {
    return this.#core.idle();
  }
}
