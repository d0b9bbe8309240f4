import { assertKnownOptions, MAX_TTL_MS } from '@cachestack/core';
import { copyValue, type HeldAs, type ObjectTierMode, prepareHeldValue } from './object-values.js';
import type { TagStamp } from './tag-versions.js';

/**
 * Options of the object tier ({@link CacheOptions.objectCache}): a small,
 * per-process map from key to decoded value in front of the backend, so a
 * hit on a hot key skips the backend read, the entry header and the
 * serializer.
 */
export interface ObjectCacheOptions {
  /** Most values held at once (an integer >= 1); the least recently used go first. */
  maxEntries: number;
  /**
   * Most serialized bytes held at once (the sum of the held values' payload
   * sizes, an integer >= 1); a value larger than this is not held.
   * @default undefined (only {@link ObjectCacheOptions.maxEntries} bounds it)
   */
  maxBytes?: number | undefined;
  /**
   * Longest time a value is served from the object tier, in ms (finite,
   * > 0), however long the entry stays fresh. It bounds how long this
   * process may miss a change made elsewhere: by another process, another
   * cache over the same backend, or a direct backend write. Changes made
   * through this cache (and its namespaces) are seen at once, and so are the
   * keys a backend with `onInvalidate` reports (a `TieredBackend` with an
   * invalidation bus or Redis tracking: its messages drop the object tier's
   * copies too).
   * @default 1_000
   */
  ttlMs?: number | undefined;
  /**
   * How a held value is returned: `'freeze'`, `'clone'` or `'share'` (see
   * {@link ObjectTierMode}).
   * @default 'freeze'
   */
  mode?: ObjectTierMode | undefined;
}

/** Default {@link ObjectCacheOptions.ttlMs}, in ms. */
export const DEFAULT_OBJECT_TIER_TTL_MS = 1_000;

/** Every option name of {@link ObjectCacheOptions} (the compiler checks the list is complete). */
export const OBJECT_CACHE_OPTION_NAMES = Object.keys({
  maxEntries: true,
  maxBytes: true,
  ttlMs: true,
  mode: true,
} satisfies Record<keyof ObjectCacheOptions, true>);

/** A held value. @internal */
export interface HeldEntry {
  readonly value: unknown;
  readonly as: HeldAs;
  /** Epoch ms after which it is not served: the entry's fresh-until time or the tier's cap, whichever is first. */
  readonly expiresAt: number;
  /** Tags of the entry, checked against the current versions on every hit. */
  readonly stamps: readonly TagStamp[];
  readonly bytes: number;
  /** Set by a hit, cleared by the eviction hand (CLOCK, second chance). */
  referenced: boolean;
}

/**
 * A read in progress for one key. A write, delete or clear through the
 * cache marks it void, so a read that began before the change never holds
 * what it read. @internal
 */
export interface ReadTicket {
  valid: boolean;
  readers: number;
}

/** Settings after validation. @internal */
export interface ObjectTierSettings {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
  mode: ObjectTierMode;
}

/**
 * The object tier: decoded values by store key, bounded in entries and
 * bytes (CLOCK eviction: a hit only sets a flag), each served until the
 * first of its fresh-until time and {@link ObjectCacheOptions.ttlMs}.
 * Only values decoded from the backend by a fresh read are held, never a
 * value a caller passed in (the serializer's round trip is what the cache
 * returns). @internal
 */
export class ObjectTier {
  readonly settings: ObjectTierSettings;
  readonly #entries = new Map<string, HeldEntry>();
  readonly #pending = new Map<string, ReadTicket>();
  #bytes = 0;

  constructor(settings: ObjectTierSettings) {
    this.settings = settings;
  }

  /** Number of values held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The held entry for `storeKey`, when there is one still servable. */
  lookup(storeKey: string): HeldEntry | undefined {
    const entry = this.#entries.get(storeKey);
    if (entry === undefined) return undefined;
    if (Date.now() >= entry.expiresAt) {
      this.#remove(storeKey, entry);
      return undefined;
    }
    entry.referenced = true;
    return entry;
  }

  /** What a caller gets from `entry`: the held value, or a deep copy of it. */
  static serve(entry: HeldEntry): unknown {
    if (entry.as === 'same') return entry.value;
    return entry.as === 'copy' ? copyValue(entry.value) : structuredClone(entry.value);
  }

  /** Registers a backend read of `storeKey` that may hold what it finds. */
  begin(storeKey: string): ReadTicket {
    let ticket = this.#pending.get(storeKey);
    if (ticket === undefined) {
      ticket = { valid: true, readers: 0 };
      this.#pending.set(storeKey, ticket);
    }
    ticket.readers++;
    return ticket;
  }

  /** Ends a read registered with {@link ObjectTier.begin}. */
  end(storeKey: string, ticket: ReadTicket): void {
    ticket.readers--;
    if (ticket.readers === 0 && this.#pending.get(storeKey) === ticket) {
      this.#pending.delete(storeKey);
    }
  }

  /**
   * Holds a value a fresh read decoded (unless the read's ticket was voided
   * meanwhile, or the value cannot be held in this mode). Returns the entry
   * to serve from, or `undefined` (serve `value` itself).
   */
  hold(
    storeKey: string,
    ticket: ReadTicket,
    value: unknown,
    freshUntil: number,
    stamps: readonly TagStamp[],
    bytes: number,
  ): HeldEntry | undefined {
    if (!ticket.valid || bytes > this.settings.maxBytes) return undefined;
    const prepared = prepareHeldValue(value, this.settings.mode);
    if (prepared === undefined) return undefined;
    const entry: HeldEntry = {
      value: prepared.value,
      as: prepared.as,
      expiresAt: Math.min(freshUntil, Date.now() + this.settings.ttlMs),
      stamps,
      bytes,
      referenced: false,
    };
    const previous = this.#entries.get(storeKey);
    if (previous !== undefined) this.#remove(storeKey, previous);
    this.#entries.set(storeKey, entry);
    this.#bytes += bytes;
    this.#evict();
    return entry;
  }

  /** Drops `storeKey` and voids reads of it in progress (after a write or delete). */
  invalidate(storeKey: string): void {
    const entry = this.#entries.get(storeKey);
    if (entry !== undefined) this.#remove(storeKey, entry);
    const ticket = this.#pending.get(storeKey);
    if (ticket !== undefined) {
      ticket.valid = false;
      this.#pending.delete(storeKey);
    }
  }

  /** Drops everything and voids every read in progress (after a clear). */
  invalidateAll(): void {
    this.#entries.clear();
    this.#bytes = 0;
    for (const ticket of this.#pending.values()) ticket.valid = false;
    this.#pending.clear();
  }

  #remove(storeKey: string, entry: HeldEntry): void {
    this.#entries.delete(storeKey);
    this.#bytes -= entry.bytes;
  }

  /** CLOCK: the hand passes over recently hit entries once (moving them back), evicts the first other. */
  #evict(): void {
    const { maxEntries, maxBytes } = this.settings;
    while (this.#entries.size > maxEntries || this.#bytes > maxBytes) {
      for (const [storeKey, entry] of this.#entries) {
        this.#entries.delete(storeKey);
        if (entry.referenced) {
          entry.referenced = false;
          this.#entries.set(storeKey, entry);
        } else {
          this.#bytes -= entry.bytes;
        }
        break;
      }
    }
  }
}

function positiveInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${name} must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Validates {@link CacheOptions.objectCache}.
 * @throws TypeError naming the option (`objectCache.maxEntries`...).
 */
export function resolveObjectCacheOptions(options: ObjectCacheOptions): ObjectTierSettings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('objectCache must be an object such as { maxEntries: 1_000 }');
  }
  assertKnownOptions(options, OBJECT_CACHE_OPTION_NAMES, 'objectCache');
  const maxEntries = positiveInteger(options.maxEntries, 'objectCache.maxEntries');
  if (maxEntries === undefined) {
    throw new TypeError('objectCache.maxEntries is required (an integer >= 1)');
  }
  const ttlMs = options.ttlMs ?? DEFAULT_OBJECT_TIER_TTL_MS;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_TTL_MS) {
    throw new TypeError(
      `objectCache.ttlMs must be a finite number of ms greater than 0, got ${String(ttlMs)}`,
    );
  }
  const mode = options.mode ?? 'freeze';
  if (mode !== 'freeze' && mode !== 'clone' && mode !== 'share') {
    throw new TypeError(
      `objectCache.mode must be 'freeze', 'clone' or 'share', got ${String(mode)}`,
    );
  }
  return {
    maxEntries,
    maxBytes: positiveInteger(options.maxBytes, 'objectCache.maxBytes') ?? Number.POSITIVE_INFINITY,
    ttlMs: Math.ceil(ttlMs),
    mode,
  };
}

/** What a backend reports through `onInvalidate`: keys dropped by outside writes, or everything. */
export type BackendInvalidation = { kind: 'keys'; keys: readonly string[] } | { kind: 'clear' };

/**
 * A backend that reports the keys other writers changed (`TieredBackend`
 * with an invalidation bus or Redis tracking), found by shape so the facade
 * does not depend on the tiered package.
 */
interface InvalidationReporter {
  onInvalidate(listener: (event: BackendInvalidation) => void): () => void;
}

/**
 * Drops the object tier's copies of what `backend` reports as changed
 * elsewhere, when the backend reports such changes (`onInvalidate`). The
 * subscription lasts as long as the backend: a cache never closes its
 * backend, and the listener holds only the object tier.
 * @returns whether the backend reports invalidations.
 */
export function followBackendInvalidation(objects: ObjectTier, backend: object): boolean {
  const onInvalidate = (backend as Partial<InvalidationReporter>).onInvalidate;
  if (typeof onInvalidate !== 'function') return false;
  onInvalidate.call(backend, (event: BackendInvalidation) => {
    if (event.kind === 'clear') {
      objects.invalidateAll();
      return;
    }
    for (const key of event.keys) objects.invalidate(key);
  });
  return true;
}
