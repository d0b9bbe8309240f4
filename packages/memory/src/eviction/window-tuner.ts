import { nextPowerOfTwo } from './frequency-sketch.js';

/**
 * How many of the latest rejected candidates (and evicted victims) a
 * {@link WindowTuner} remembers, as a share of the cache's capacity in
 * entries. Measured on the cache2k traces and Zipf workloads (see
 * docs/hit-ratio.md): 10% tracks phase changes without chasing noise.
 */
export const GHOST_FRACTION = 0.1;

/** Fewest ghosts remembered, whatever the capacity. */
const MIN_GHOSTS = 16;

/**
 * The hashes of the last `length` keys added, in a direct-mapped table of
 * about `2 × length` slots (a later key landing on the same slot replaces an
 * earlier one, so membership is approximate: it may forget, and two keys
 * may share a 32-bit hash). Costs 8 bytes per slot: the hash and a 32-bit
 * stamp (after 2^32 additions an old slot may look recent again: harmless
 * for a heuristic).
 */
export class GhostHistory {
  #hashes = new Uint32Array(0);
  #stamps = new Uint32Array(0);
  #mask = 0;
  #length = 0;
  #added = 0;

  /** @param length - how many of the latest keys count as remembered. */
  constructor(length: number) {
    this.resize(length);
  }

  /** How many of the latest keys count as remembered. */
  get length(): number {
    return this.#length;
  }

  /** Remembers `length` keys from now on (forgetting every key when the table grows). */
  resize(length: number): void {
    this.#length = Math.max(1, Math.floor(length));
    const slots = nextPowerOfTwo(2 * this.#length);
    if (slots === this.#hashes.length) return;
    this.#hashes = new Uint32Array(slots);
    this.#stamps = new Uint32Array(slots);
    this.#mask = slots - 1;
  }

  /** Remembers `hash` (a key's hash, from `hashKey`). */
  add(hash: number): void {
    const slot = hash & this.#mask;
    // Stamps run 1 … 2^32 − 1 and wrap; 0 marks an empty slot.
    const stamp = (this.#added + 1) >>> 0 || 1;
    this.#added = stamp;
    this.#hashes[slot] = hash;
    this.#stamps[slot] = stamp;
  }

  /** True when `hash` was among the last {@link GhostHistory.length} added. */
  has(hash: number): boolean {
    const slot = hash & this.#mask;
    const stamp = this.#stamps[slot]!;
    return stamp !== 0 && this.#hashes[slot] === hash && (this.#added - stamp) >>> 0 < this.#length;
  }
}

/**
 * Sizes the window of a W-TinyLFU cache from its own mistakes, as ARC
 * balances its recency and frequency lists. It remembers the keys the
 * admission filter recently turned away (candidates leaving the window) and
 * the keys recently evicted from the main part to let a candidate in. A miss
 * on a rejected candidate means a larger window would have kept it: the
 * window grows by one entry. A miss on an evicted victim means a larger main
 * part would have kept it: the window shrinks by one entry. Recency-heavy
 * workloads thus push the window towards nearly the whole cache (nearly
 * plain LRU), frequency-heavy ones towards nothing.
 *
 * Unlike hill climbing on the hit ratio of successive samples (Caffeine's
 * default), it reacts to each mistake as it happens and does not mistake a
 * change of workload for the effect of its last step; measured on the
 * cache2k traces and Zipf workloads it never fell below LRU, where the
 * climber did at 3 of 21 points, and closed more of the gap to the optimum
 * (the package README, "Eviction policy"). It costs nothing on a hit: only misses and evictions
 * touch it.
 */
export class WindowTuner {
  readonly #rejected: GhostHistory;
  readonly #evicted: GhostHistory;
  #capacity = 0;

  /** @param capacity - the cache's capacity in entries (or an estimate of it). */
  constructor(capacity: number) {
    const length = ghostLength(capacity);
    this.#rejected = new GhostHistory(length);
    this.#evicted = new GhostHistory(length);
    this.#capacity = capacity;
  }

  /** The capacity in entries the tuner is sized for. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Follows a capacity estimate that grew (a cache limited by bytes only). */
  ensureCapacity(capacity: number): void {
    if (capacity <= this.#capacity) return;
    this.#capacity = capacity;
    const length = ghostLength(capacity);
    this.#rejected.resize(length);
    this.#evicted.resize(length);
  }

  /** Notes that the admission filter turned away the candidate with key hash `hash`. */
  rejected(hash: number): void {
    this.#rejected.add(hash);
  }

  /** Notes that the victim with key hash `hash` was evicted to let a candidate in. */
  evicted(hash: number): void {
    this.#evicted.add(hash);
  }

  /**
   * On a miss of the key with hash `hash`: by how many entries the window
   * should grow (`1`), shrink (`-1`) or stay (`0`).
   */
  adjustmentOnMiss(hash: number): number {
    const wasRejected = this.#rejected.has(hash);
    if (wasRejected === this.#evicted.has(hash)) return 0;
    return wasRejected ? 1 : -1;
  }
}

function ghostLength(capacity: number): number {
  return Math.max(MIN_GHOSTS, Math.ceil(capacity * GHOST_FRACTION));
}
