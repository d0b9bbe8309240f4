import { createHash, randomUUID } from 'node:crypto';
import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type BaseBackend,
  hasLocalRead,
  isBatch,
  isLockable,
  LOCAL_READ,
  LOCAL_READ_UNAVAILABLE,
  type Lock,
  MAX_TTL_MS,
  raceWithTimeout,
  toBackendError,
} from '@cachestack/core';
import {
  type BackendCacheStoreOptions,
  type CacheStoreOperation,
  type ResolvedCacheStoreOptions,
  resolveCacheStoreOptions,
} from './backend-cache-store-options.js';
import { assertCacheKey, assertCacheValue } from './cache-key-checks.js';
import { corrupt, decodeEntry, encodeEntry } from './entry-codec.js';
import { EntryWriter } from './entry-writer.js';
import { decodeIndex, encodeIndex, type IndexedVariant, type PathIndex } from './path-index.js';
import { PathQueue } from './path-queue.js';
import type { CacheKey, CacheStore, CacheValue, GetResult } from './undici-types.js';
import { varyMatches } from './vary.js';

type LocalRead = (key: string) => Uint8Array | undefined | typeof LOCAL_READ_UNAVAILABLE;

/** A lookup's outcome: synchronous with a local read, else a promise. */
type Lookup = GetResult | undefined | Promise<GetResult | undefined>;

/** Reads `key` from the backend (synchronously, or through `get`) and continues with `then`. */
type Reader = (key: string, then: (bytes: Uint8Array | undefined) => Lookup) => Lookup;

/** Whole ms from now until `epochMs`, within the contract's TTL range; 0 when past. */
function ttlUntil(epochMs: number, now: number): number {
  const ttl = Math.ceil(epochMs - now);
  return ttl > 0 ? Math.min(ttl, MAX_TTL_MS) : 0;
}

/**
 * An undici `CacheStore` over any cachestack backend: pass it to
 * `interceptors.cache({ store })` so every service of a fleet shares one HTTP
 * client cache in Redis or SQLite (or keeps it in memory, a file or tiers).
 * It behaves as undici's `MemoryCacheStore`: responses are selected by
 * method and `Vary`, served until `deleteAt` (stale ones too: undici decides
 * about revalidation), `delete` drops every response of an origin and path,
 * a body over {@link BackendCacheStoreOptions.maxEntrySize} is not stored,
 * and an aborted or errored write stores nothing.
 *
 * Layout in the backend: each response is one value (`<prefix>e:<random id>`,
 * metadata and body together, TTL until its `deleteAt`), and each origin and
 * path has an index (`<prefix>i:<sha-256 of origin and path>`) listing its
 * responses. A write stores the response, then rewrites the index under the
 * backend's lock (memory, SQLite and Redis offer one), so writers in several
 * processes do not lose each other's variants; `delete` removes the index,
 * then the responses it lists. See the README for the races that remain.
 *
 * The store never fails a request because of the backend: a failed or slow
 * read is a miss, a failed write stores nothing, and each failure is given
 * to {@link BackendCacheStoreOptions.onError} as a classified `BackendError`.
 * Reads are synchronous when the backend answers locally (the memory
 * backend), as undici's own stores; otherwise `get` returns a promise.
 */
export class BackendCacheStore implements CacheStore {
  /** The backend responses are kept in (never closed by the store). */
  readonly backend: BaseBackend;
  readonly #options: ResolvedCacheStoreOptions;
  readonly #queue = new PathQueue();
  readonly #localRead: LocalRead | undefined;

  /** @throws TypeError naming the first invalid option. */
  constructor(options: BackendCacheStoreOptions) {
    this.#options = resolveCacheStoreOptions(options);
    this.backend = this.#options.backend;
    const backend = this.backend;
    this.#localRead = hasLocalRead(backend) ? (key) => backend[LOCAL_READ](key) : undefined;
  }

  /**
   * The stored response for `key` whose method and `Vary` values match, and
   * whose `deleteAt` has not passed; `undefined` on a miss or a failed read.
   * Synchronous when the backend can answer locally, otherwise a promise.
   * @throws TypeError when `key` is not an undici cache key.
   */
  get(key: CacheKey): GetResult | Promise<GetResult | undefined> | undefined {
    assertCacheKey(key, true);
    const indexKey = this.#indexKey(key.origin, key.path);
    const localRead = this.#localRead;
    if (localRead !== undefined && !this.#queue.busy(indexKey)) {
      let unavailable = false;
      const read: Reader = (backendKey, then) => {
        const bytes = localRead(backendKey);
        if (bytes === LOCAL_READ_UNAVAILABLE) {
          unavailable = true;
          return undefined;
        }
        return then(bytes);
      };
      try {
        const result = this.#lookup(key, indexKey, read) as GetResult | undefined;
        if (!unavailable) return result;
      } catch (error) {
        this.#report(error, 'get', key, indexKey);
        return undefined;
      }
    }
    return this.#getAsync(key, indexKey);
  }

  async #getAsync(key: CacheKey, indexKey: string): Promise<GetResult | undefined> {
    try {
      await this.#queue.settled(indexKey);
      const read: Reader = async (backendKey, then) =>
        then(
          await raceWithTimeout(
            this.backend.get(backendKey),
            this.#options.timeoutMs,
            'get',
            backendKey,
          ),
        );
      return await this.#lookup(key, indexKey, read);
    } catch (error) {
      this.#report(error, 'get', key, indexKey);
      return undefined;
    }
  }

  /** Index, then the first listed response that matches and is still there. */
  #lookup(key: CacheKey, indexKey: string, read: Reader): Lookup {
    return read(indexKey, (indexBytes) => {
      if (indexBytes === undefined) return undefined;
      const index = decodeIndex(indexBytes, key.origin, key.path, indexKey);
      const now = Date.now();
      const candidates = index.variants.filter(
        (variant) =>
          variant.deleteAt > now &&
          variant.method === key.method &&
          varyMatches(key.headers, variant.vary),
      );
      const next = (position: number): Lookup => {
        const variant = candidates[position];
        if (variant === undefined) return undefined;
        const entryKey = this.#entryKey(variant.id);
        return read(entryKey, (entryBytes) => {
          if (entryBytes === undefined) return next(position + 1); // evicted or expired
          const entry = decodeEntry(entryBytes, entryKey);
          if (
            entry.origin !== key.origin ||
            entry.path !== key.path ||
            entry.method !== key.method
          ) {
            throw corrupt('cached response belongs to another request', entryKey);
          }
          return entry.result.deleteAt > Date.now() ? entry.result : next(position + 1);
        });
      };
      return next(0);
    });
  }

  /**
   * A `Writable` for the body of a response to store under `key`. The
   * response is stored when the stream ends (`finish` is emitted once it is),
   * unless the body is larger than {@link BackendCacheStoreOptions.maxEntrySize}
   * or the stream is destroyed first. It replaces a stored response of the same
   * method whose `Vary` values match `key`.
   * @throws TypeError when `key` or `value` is malformed.
   */
  createWriteStream(key: CacheKey, value: CacheValue): EntryWriter {
    assertCacheKey(key, true);
    assertCacheValue(value);
    const snapshotKey: CacheKey = {
      origin: key.origin,
      method: key.method,
      path: key.path,
      headers: key.headers === undefined ? undefined : { ...key.headers },
    };
    const snapshotValue: CacheValue = { ...value };
    const indexKey = this.#indexKey(key.origin, key.path);
    return new EntryWriter(this.#options.maxEntrySize, (body) =>
      this.#queue.enqueue(indexKey, async () => {
        const bytes = await body;
        if (bytes !== undefined) await this.#commit(snapshotKey, snapshotValue, bytes, indexKey);
      }),
    );
  }

  async #commit(key: CacheKey, value: CacheValue, body: Buffer, indexKey: string): Promise<void> {
    const ttl = ttlUntil(value.deleteAt, Date.now());
    if (ttl === 0) return;
    const id = randomUUID();
    const entryKey = this.#entryKey(id);
    let dropped: IndexedVariant[] = [];
    try {
      await this.#timed(
        this.backend.set(entryKey, encodeEntry(key, value, body), ttl),
        'set',
        entryKey,
      );
      dropped = await this.#withIndexLock(indexKey, true, async () => {
        const index = await this.#readIndexForUpdate(key, indexKey, 'write');
        const now = Date.now();
        const kept: IndexedVariant[] = [];
        const replaced: IndexedVariant[] = [];
        for (const variant of index.variants) {
          const replaces =
            variant.deleteAt <= now ||
            (variant.method === key.method && varyMatches(key.headers, variant.vary));
          (replaces ? replaced : kept).push(variant);
        }
        kept.push({
          id,
          method: key.method,
          vary: value.vary ?? undefined,
          deleteAt: value.deleteAt,
        });
        while (kept.length > this.#options.maxVariantsPerPath)
          replaced.push(kept.shift() as IndexedVariant);
        const indexTtl = ttlUntil(Math.max(...kept.map((variant) => variant.deleteAt)), now);
        if (indexTtl === 0) return [...replaced, ...kept]; // everything expired meanwhile
        await this.#timed(
          this.backend.set(
            indexKey,
            encodeIndex({ origin: key.origin, path: key.path, variants: kept }),
            indexTtl,
          ),
          'set',
          indexKey,
        );
        return replaced;
      });
    } catch (error) {
      this.#report(error, 'write', key, indexKey);
      await this.#deleteEntries([entryKey], key, indexKey);
      return;
    }
    await this.#deleteEntries(
      dropped.map((variant) => this.#entryKey(variant.id)),
      key,
      indexKey,
    );
  }

  /**
   * Deletes every stored response of `key.origin` and `key.path` (all
   * methods and `Vary` variants), as undici's stores do. Resolves when done;
   * never rejects (a failure is reported through `onError`).
   * @throws TypeError when `key` has no string `origin` and `path`.
   */
  delete(key: CacheKey): Promise<void> {
    assertCacheKey(key, false);
    const indexKey = this.#indexKey(key.origin, key.path);
    return this.#queue.enqueue(indexKey, async () => {
      let listed: IndexedVariant[] = [];
      try {
        await this.#withIndexLock(indexKey, false, async () => {
          listed = (await this.#readIndexForUpdate(key, indexKey, 'delete')).variants;
          await this.#timed(this.backend.delete(indexKey), 'delete', indexKey);
        });
      } catch (error) {
        this.#report(error, 'delete', key, indexKey);
      }
      await this.#deleteEntries(
        listed.map((variant) => this.#entryKey(variant.id)),
        key,
        indexKey,
      );
    });
  }

  /**
   * Resolves once every write and delete started so far has reached the
   * backend (or failed and been reported). Call it before closing the backend.
   */
  flush(): Promise<void> {
    return this.#queue.drain();
  }

  /** The current index (a corrupt one is reported and treated as empty, to be rewritten). */
  async #readIndexForUpdate(
    key: CacheKey,
    indexKey: string,
    operation: CacheStoreOperation,
  ): Promise<PathIndex> {
    const bytes = await this.#timed(this.backend.get(indexKey), 'get', indexKey);
    if (bytes !== undefined) {
      try {
        return decodeIndex(bytes, key.origin, key.path, indexKey);
      } catch (error) {
        this.#report(error, operation, key, indexKey);
      }
    }
    return { origin: key.origin, path: key.path, variants: [] };
  }

  /**
   * Runs `fn` holding the backend's lock on the index, when the backend has
   * locks. A write that cannot get it gives up (`LOCK_TIMEOUT`); a delete goes
   * on without it (an invalidation must not be skipped).
   */
  async #withIndexLock<T>(indexKey: string, required: boolean, fn: () => Promise<T>): Promise<T> {
    const backend = this.backend;
    if (!isLockable(backend)) return fn();
    const { timeoutMs, lockWaitMs } = this.#options;
    let lock: Lock | undefined;
    const acquiring = backend.acquireLock(indexKey, {
      ttlMs: Math.max(2000, 4 * timeoutMs),
      waitMs: lockWaitMs,
    });
    try {
      lock = await raceWithTimeout(acquiring, lockWaitMs + timeoutMs, 'acquireLock', indexKey);
    } catch (error) {
      // Given up on: a lock that arrives late is released at once.
      acquiring.then((late) => late?.release()).catch(() => undefined);
      if (required) throw error;
    }
    if (lock === undefined && required) {
      throw new BackendError({
        type: BackendErrorType.TRANSIENT,
        code: BackendErrorCode.LOCK_TIMEOUT,
        message: `the index lock was busy for ${lockWaitMs} ms; response not stored`,
        operation: 'acquireLock',
        key: indexKey,
      });
    }
    try {
      return await fn();
    } finally {
      await lock?.release().catch(() => undefined); // it expires by itself
    }
  }

  /** Best-effort removal of response values; failures are reported. */
  async #deleteEntries(entryKeys: string[], key: CacheKey, indexKey: string): Promise<void> {
    if (entryKeys.length === 0) return;
    const backend = this.backend;
    try {
      if (isBatch(backend)) {
        await this.#timed(backend.deleteMany(entryKeys), 'deleteMany', entryKeys[0]);
      } else {
        await Promise.all(
          entryKeys.map((entryKey) => this.#timed(backend.delete(entryKey), 'delete', entryKey)),
        );
      }
    } catch (error) {
      this.#report(error, 'delete', key, indexKey);
    }
  }

  #timed<T>(promise: Promise<T>, operation: string, backendKey: string | undefined): Promise<T> {
    return raceWithTimeout(promise, this.#options.timeoutMs, operation, backendKey);
  }

  #indexKey(origin: string, path: string): string {
    const digest = createHash('sha256').update(`${origin}\n${path}`).digest('base64url');
    return `${this.#options.prefix}i:${digest}`;
  }

  #entryKey(id: string): string {
    return `${this.#options.prefix}e:${id}`;
  }

  #report(error: unknown, operation: CacheStoreOperation, key: CacheKey, indexKey: string): void {
    const onError = this.#options.onError;
    if (onError === undefined) return;
    try {
      onError(toBackendError(error, operation, indexKey), {
        operation,
        origin: key.origin,
        path: key.path,
      });
    } catch {
      // A throwing listener must not break the request.
    }
  }
}
