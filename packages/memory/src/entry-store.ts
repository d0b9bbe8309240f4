import { LRUCache } from 'lru-cache';
import { checkedEntrySize, entrySizeBytes } from './memory-backend-options.js';
import { collectLive, restoredEntry, wholeRemainingMs } from './snapshot-entries.js';
import type { SnapshotEntry } from './snapshot-format.js';
import { copyOut, type StoredValue, StoredValueFactory, storedByteLength } from './stored-value.js';

/** The limits an {@link EntryStore} enforces; `Infinity` means none. */
export interface EntryStoreLimits {
  /** Most entries. */
  maxEntries: number;
  /** Most bytes, counted with {@link entrySizeBytes}. */
  maxBytes: number;
  /** Largest value in bytes. */
  maxValueBytes: number;
}

/**
 * The entries of one memory backend, on lru-cache: byte accounting, LRU
 * eviction, monotonic-clock TTLs without timers, and private copies of every
 * value. Inputs are validated by the caller; this class trusts them.
 */
export class EntryStore {
  readonly #lru: LRUCache<string, StoredValue>;
  readonly #limits: EntryStoreLimits;
  readonly #values: StoredValueFactory;
  #changes = 0;

  /** Creates an empty store enforcing `limits`. */
  constructor(limits: EntryStoreLimits, values = new StoredValueFactory()) {
    this.#limits = limits;
    this.#values = values;
    const hasByteLimit = Number.isFinite(limits.maxBytes);
    this.#lru = new LRUCache<string, StoredValue>({
      max: Number.isFinite(limits.maxEntries) ? limits.maxEntries : 0,
      // Sizes are always tracked (for healthCheck); without a byte limit the cap is unreachable.
      maxSize: hasByteLimit ? limits.maxBytes : Number.MAX_SAFE_INTEGER,
      ttlAutopurge: false,
      // Read the clock on every check: an entry is never served after its TTL.
      ttlResolution: 0,
      allowStale: false,
      updateAgeOnGet: false,
      updateAgeOnHas: false,
    });
  }

  /** Stored entries, including expired ones not yet swept. */
  get size(): number {
    return this.#lru.size;
  }

  /** Total {@link entrySizeBytes} of the stored entries. */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  /** Grows whenever the entries change. */
  get changeCount(): number {
    return this.#changes;
  }

  /**
   * The size `key` and `value` count for, in bytes.
   * @throws BackendError `VALUE_TOO_LARGE` when the entry cannot fit in `maxBytes`.
   */
  sizeOf(key: string, value: Uint8Array, operation: string): number {
    return checkedEntrySize(key, value, this.#limits.maxBytes, operation);
  }

  /** A fresh copy of the live value, or `undefined`. Counts as a use. */
  read(key: string): Buffer | undefined {
    const stored = this.#lru.get(key);
    if (stored === undefined) return undefined;
    return copyOut(stored);
  }

  /**
   * The live value as stored (never to be handed out or changed; the
   * backend lends it with `lend`), or `undefined`. Counts as a use, as {@link EntryStore.read}.
   */
  lookup(key: string): StoredValue | undefined {
    return this.#lru.get(key);
  }

  /**
   * Stores a private copy of `value` (a string or an array of its own, see
   * {@link StoredValue}; never a slice of a shared `Buffer` pool slab, which
   * would keep the whole slab alive). Counts as a use.
   * @param ttlMs - whole ms, or `0` for no expiry.
   * @param size - from {@link EntryStore.sizeOf}.
   * @param transferred - the caller handed `value` over: kept without a copy
   *   when it owns its memory wholly (see {@link StoredValueFactory.copyOf}).
   */
  write(key: string, value: Uint8Array, ttlMs: number, size: number, transferred = false): void {
    const stored = this.#values.copyOf(value, this.#lru.calculatedSize, transferred);
    this.#lru.set(key, stored, { ttl: ttlMs, size });
    this.#changes++;
  }

  /** True when `key` is live. Not a use. */
  has(key: string): boolean {
    return this.#lru.has(key);
  }

  /** Remaining ms (whole, rounded up; `Infinity` for no expiry), or `undefined` when missing. */
  remainingTtl(key: string): number | undefined {
    if (!this.#lru.has(key)) return undefined;
    return wholeRemainingMs(this.#lru.getRemainingTTL(key));
  }

  /** Makes a live key expire `ttlMs` from now. Counts as a use. */
  refresh(key: string, ttlMs: number): boolean {
    const stored = this.#lru.peek(key);
    if (stored === undefined) return false;
    this.#lru.set(key, stored, { ttl: ttlMs, size: entrySizeBytes(key, storedByteLength(stored)) });
    this.#changes++;
    return true;
  }

  /** Removes `key`; true if it was live. */
  delete(key: string): boolean {
    const live = this.#lru.has(key);
    if (this.#lru.delete(key)) this.#changes++;
    return live;
  }

  /** Removes every entry. */
  clear(): void {
    this.#lru.clear();
    this.#changes++;
  }

  /** Live keys starting with `prefix`, most recently used first. */
  keys(prefix: string | undefined): string[] {
    const found: string[] = [];
    for (const key of this.#lru.keys()) {
      if (prefix === undefined || key.startsWith(prefix)) found.push(key);
    }
    return found;
  }

  /** Drops expired entries from memory. */
  purgeStale(): void {
    this.#lru.purgeStale();
  }

  /**
   * The live entries, least recently used first, with wall-clock expiries.
   * Stored arrays are shared, not copied (they are never mutated).
   * @param now - wall-clock time in epoch ms.
   */
  collect(now: number): SnapshotEntry[] {
    const entries: SnapshotEntry[] = [];
    collectLive(this.#lru, now, entries);
    return entries;
  }

  /**
   * Adds snapshot entries in order (least recently used first), skipping
   * those expired at `now` or too large for the current limits.
   * @param now - wall-clock time in epoch ms.
   */
  restore(entries: readonly SnapshotEntry[], now: number): void {
    for (const entry of entries) {
      const restored = restoredEntry(entry, now, this.#limits);
      if (restored === undefined) continue;
      this.#lru.set(
        entry.key,
        this.#values.copyOf(entry.value, this.#lru.calculatedSize),
        restored,
      );
    }
  }
}
