import {
  assertValidKey,
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type BaseBackend,
  type OperationTraceContext,
  OperationTracer,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import { type CacheCore, type EncodedEntry, invalidArgument } from './cache-core.js';
import type { CacheEventName, CacheListener } from './cache-events.js';
import type { CacheSetManyEntry, GetOrSetOptions, SetOptions } from './cache-options.js';
import type { CacheStats } from './cache-stats.js';
import { emptyStats } from './cache-stats.js';
import { clearEntries, setManyEntries, setTagged } from './cache-writes.js';
import { checkCallOptions, resolveGetOrSetOptions, SET_OPTION_NAMES } from './call-options.js';
import type { ReadResult } from './entry-reader.js';
import { answerFreshHit, getOrSet } from './get-or-set.js';
import type { LoaderContext } from './loader-context.js';
import { ObjectTier } from './object-tier.js';
import { MAX_TAGS_PER_CALL, normalizeTags, RESERVED_KEY_CHARACTER } from './tags.js';

/** The number of tags a call names, for its trace (`keyCount`). */
function tagCount(tags: unknown): number | undefined {
  return Array.isArray(tags) ? tags.length : undefined;
}

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
 * share stats, events, in-flight loads and the object tier.
 *
 * Every public operation is traced on the `cachestack:cache` tracing
 * channel (`TRACING_CHANNEL_NAMES.cache` of `@cachestack/core`) when
 * someone subscribes; see the package README for the fields.
 */
export class Cache {
  readonly #core: CacheCore;
  readonly #prefix: string;
  readonly #namespace: string | undefined;
  readonly #tracer: OperationTracer;

  /** @internal Use {@link createCache}. */
  constructor(core: CacheCore, namespace: string | undefined, prefix: string) {
    this.#core = core;
    this.#namespace = namespace;
    this.#prefix = prefix;
    this.#tracer = new OperationTracer(TRACING_CHANNEL_NAMES.cache, 'cache', namespace);
  }

  /** Runs `run` traced (only called when the tracer is active). */
  #traced<T>(
    operation: string,
    key: unknown,
    keyCount: number | undefined,
    run: (trace: OperationTraceContext) => Promise<T>,
  ): Promise<T> {
    const trace = this.#tracer.context(
      operation,
      typeof key === 'string' ? key : undefined,
      keyCount,
    );
    return this.#tracer.traceContext(trace, () => run(trace));
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
  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.#tracer.active
      ? this.#traced('get', key, undefined, (trace) => this.#get<T>(key, trace))
      : this.#get<T>(key, undefined);
  }

  /** Answers on the hot path without an extra promise step when the read is synchronous. */
  #get<T>(key: string, trace: OperationTraceContext | undefined): Promise<T | undefined> {
    let storeKey: string;
    let result: ReadResult | Promise<ReadResult>;
    try {
      storeKey = this.storeKey(key, 'get');
      const held = this.#core.reader.held(storeKey);
      result =
        held !== undefined
          ? { state: 'fresh', value: ObjectTier.serve(held), objectTier: true }
          : this.#core.reader.readNow(storeKey, 'get');
      if (!(result instanceof Promise))
        return Promise.resolve(this.#answer<T>(result, key, storeKey, trace));
    } catch (error) {
      return Promise.reject(error);
    }
    return result.then((read) => this.#answer<T>(read, key, storeKey, trace));
  }

  /** The value a `get` resolves for what the read found; counts and emits the hit or miss. */
  #answer<T>(
    result: ReadResult,
    key: string,
    storeKey: string,
    trace: OperationTraceContext | undefined,
  ): T | undefined {
    if (result.state !== 'fresh') {
      this.#core.emitRead(false, key, storeKey);
      return undefined;
    }
    this.#core.emitRead(true, key, storeKey, result.objectTier);
    if (trace !== undefined) trace.objectTier = result.objectTier;
    return result.value as T;
  }

  /** True when `key` has a fresh value (it reads the entry, since staleness is in its header). */
  has(key: string): Promise<boolean> {
    return this.#tracer.active
      ? this.#traced('has', key, undefined, (trace) => this.#has(key, trace))
      : this.#has(key, undefined);
  }

  async #has(key: string, trace: OperationTraceContext | undefined): Promise<boolean> {
    const storeKey = this.storeKey(key, 'has');
    const result = await this.#core.reader.read(storeKey, 'has', false);
    const fresh = result.state === 'fresh';
    if (trace !== undefined) {
      trace.outcome = fresh ? 'hit' : 'miss';
      trace.objectTier = fresh && result.objectTier;
    }
    return fresh;
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
  set<T>(key: string, value: T, options: SetOptions = {}): Promise<void> {
    return this.#tracer.active
      ? this.#traced('set', key, undefined, () => this.#set(key, value, options))
      : this.#set(key, value, options);
  }

  /** An untagged set is one backend call and no extra promise step. */
  #set(key: string, value: unknown, options: SetOptions): Promise<void> {
    let storeKey: string;
    let encoded: EncodedEntry;
    try {
      storeKey = this.storeKey(key, 'set');
      checkCallOptions(options, SET_OPTION_NAMES, 'set', storeKey);
      const tags = options.tags === undefined ? [] : normalizeTags(options.tags, 'set');
      // Encoding first validates the TTL and the value before anything is written.
      encoded = this.#core.encode(value, storeKey, 'set', options.ttlMs);
      if (tags.length > 0) return setTagged(this.#core, key, storeKey, value, options.ttlMs, tags);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#core.store(key, storeKey, encoded, options.ttlMs);
  }

  /** Deletes `key`; resolves whether it existed (stale entries count as existing). */
  delete(key: string): Promise<boolean> {
    return this.#tracer.active
      ? this.#traced('delete', key, undefined, () => this.#delete(key))
      : this.#delete(key);
  }

  async #delete(key: string): Promise<boolean> {
    const storeKey = this.storeKey(key, 'delete');
    const existed = await this.#core.write(storeKey, () =>
      this.#core.call('delete', storeKey, () => this.#core.settings.backend.delete(storeKey)),
    );
    if (existed) this.#core.stats.deletes++;
    this.#core.emit('delete', () => ({ key, storeKey, existed }));
    return existed;
  }

  /**
   * Fresh values of `keys`, in order (`undefined` for misses). Uses the
   * backend's `getMany` when it offers Batch; every key is validated first.
   */
  getMany<T = unknown>(keys: readonly string[]): Promise<(T | undefined)[]> {
    return this.#tracer.active
      ? this.#traced('getMany', undefined, Array.isArray(keys) ? keys.length : undefined, (trace) =>
          this.#getMany<T>(keys, trace),
        )
      : this.#getMany<T>(keys, undefined);
  }

  async #getMany<T>(
    keys: readonly string[],
    trace: OperationTraceContext | undefined,
  ): Promise<(T | undefined)[]> {
    if (!Array.isArray(keys)) throw invalidArgument('keys must be an array', 'getMany');
    const storeKeys = keys.map((key) => this.storeKey(key, 'getMany'));
    const results = await this.#core.reader.readMany(storeKeys, 'getMany');
    let objectTierHits = 0;
    const values = results.map((result, i) => {
      if (result.state !== 'fresh') {
        this.#core.emitRead(false, keys[i] as string, storeKeys[i] as string);
        return undefined;
      }
      if (result.objectTier) objectTierHits++;
      this.#core.emitRead(true, keys[i] as string, storeKeys[i] as string, result.objectTier);
      return result.value as T;
    });
    if (trace !== undefined) trace.objectTierHits = objectTierHits;
    return values;
  }

  /**
   * Stores every entry. Every key, TTL and value is validated and serialized
   * before anything is written. Uses the backend's `setMany` when it offers
   * Batch (one call); otherwise the entries are set one by one, concurrently.
   */
  setMany<T = unknown>(entries: readonly CacheSetManyEntry<T>[]): Promise<void> {
    return this.#tracer.active
      ? this.#traced(
          'setMany',
          undefined,
          Array.isArray(entries) ? entries.length : undefined,
          () => setManyEntries(this.#core, entries, this.#setManyKey),
        )
      : setManyEntries(this.#core, entries, this.#setManyKey);
  }

  readonly #setManyKey = (key: string): string => this.storeKey(key, 'setMany');

  /**
   * Removes this cache's entries. A namespaced cache deletes only keys under
   * its prefix (it needs a KeyIterable backend); the root cache uses the
   * backend's `clear()` (Clearable), or deletes every listed key.
   * @throws CapabilityNotAvailableError when the backend offers neither.
   */
  clear(): Promise<void> {
    return this.#tracer.active
      ? this.#traced('clear', undefined, undefined, () => clearEntries(this.#core, this.#prefix))
      : clearEntries(this.#core, this.#prefix);
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
  getOrSet<T>(
    key: string,
    loader: (context: LoaderContext) => Promise<T> | T,
    options: GetOrSetOptions = {},
  ): Promise<T> {
    return this.#tracer.active
      ? this.#traced('getOrSet', key, undefined, (trace) =>
          this.#getOrSet(key, loader, options, trace),
        )
      : this.#getOrSet(key, loader, options, undefined);
  }

  /** A hit answers without an extra promise step when the read is synchronous. */
  #getOrSet<T>(
    key: string,
    loader: (context: LoaderContext) => Promise<T> | T,
    options: GetOrSetOptions,
    trace: OperationTraceContext | undefined,
  ): Promise<T> {
    try {
      const storeKey = this.storeKey(key, 'getOrSet');
      if (typeof loader !== 'function') {
        throw invalidArgument('loader must be a function', 'getOrSet', storeKey);
      }
      const resolved = resolveGetOrSetOptions(options, this.#core.settings, storeKey);
      const held = this.#core.reader.held(storeKey);
      const first: ReadResult | Promise<ReadResult> =
        held !== undefined
          ? { state: 'fresh', value: ObjectTier.serve(held), objectTier: true }
          : this.#core.reader.readNow(storeKey, 'getOrSet');
      if (!(first instanceof Promise) && first.state === 'fresh') {
        return Promise.resolve(answerFreshHit(this.#core, key, storeKey, first, trace) as T);
      }
      return getOrSet(this.#core, key, storeKey, loader, resolved, trace, first) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
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
  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.#tracer.active
      ? this.#traced('invalidateTags', undefined, tagCount(tags), () => this.#invalidateTags(tags))
      : this.#invalidateTags(tags);
  }

  async #invalidateTags(tags: readonly string[]): Promise<void> {
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
  expireTags(tags: readonly string[]): Promise<void> {
    return this.#tracer.active
      ? this.#traced('expireTags', undefined, tagCount(tags), () => this.#expireTags(tags))
      : this.#expireTags(tags);
  }

  async #expireTags(tags: readonly string[]): Promise<void> {
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
