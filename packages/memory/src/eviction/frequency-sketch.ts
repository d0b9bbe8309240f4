/**
 * A 32-bit hash of a string key (FNV-1a over its UTF-16 code units, then
 * MurmurHash3's finalizer so that every output bit depends on every input bit).
 */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** Largest value of one counter (4 bits). */
export const MAX_FREQUENCY = 15;

/** Counters per entry of capacity: 16 (four rows of the count-min sketch, four times over). */
const WORDS_PER_ENTRY = 2;
/** Most words the table grows to (2^24 words: 64 MiB), whatever the capacity. */
const MAX_WORDS = 2 ** 24;
/** Each 4-bit counter halved at once: the top bit of every nibble cleared after the shift. */
const HALF_MASK = 0x77777777;

/**
 * A count-min sketch of how often keys were used recently: four 4-bit
 * counters per key (saturating at {@link MAX_FREQUENCY}), the four of a key
 * in one 32-byte block so that an update touches one cache line. A key's
 * frequency is the smallest of its counters, which over-estimates only when
 * every one of them collides.
 *
 * Aging: after `10 ×` {@link FrequencySketch.capacity} increments, every
 * counter is halved, so that keys that were popular long ago fade.
 */
export class FrequencySketch {
  // Int32, not Uint32: a word whose top counter is 8 or more would not fit a
  // small integer as a Uint32 and would make V8 take slower number paths
  // (measured: an increment of a saturated sketch 2× slower). The bits are
  // the same either way, and every read of a counter shifts with `>>>`.
  #table: Int32Array = new Int32Array(0);
  #blockMask = 0;
  #capacity = 0;
  #additions = 0;
  #sampleSize = 0;

  /** @param capacity - the number of entries the sketch should tell apart (grown later with {@link FrequencySketch.ensureCapacity}). */
  constructor(capacity: number) {
    this.#resize(capacity);
  }

  /** The number of entries the table is sized for (a power of two). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Increments counted since the last halving. */
  get additions(): number {
    return this.#additions;
  }

  /**
   * Grows the table (forgetting every count) when `entries` is beyond its
   * capacity. Called as the cache fills: frequencies only matter once it is
   * full, so starting small costs nothing.
   */
  ensureCapacity(entries: number): void {
    if (entries > this.#capacity && this.#table.length < MAX_WORDS) this.#resize(entries);
  }

  /** Counts one use of `hash` (from {@link hashKey}). */
  increment(hash: number): void {
    const table = this.#table;
    const block = (hash & this.#blockMask) << 3;
    const counterHash = rehash(hash);
    let added = false;
    for (let row = 0; row < 4; row++) {
      const bits = counterHash >>> (row << 3);
      const word = block + (row << 1) + (bits & 1);
      const shift = ((bits >>> 1) & 7) << 2;
      const value = table[word]!;
      if (((value >>> shift) & 15) !== MAX_FREQUENCY) {
        table[word] = value + (1 << shift);
        added = true;
      }
    }
    if (added && ++this.#additions >= this.#sampleSize) this.#halve();
  }

  /** The estimated recent uses of `hash`, 0 to {@link MAX_FREQUENCY}. */
  frequency(hash: number): number {
    const table = this.#table;
    const block = (hash & this.#blockMask) << 3;
    const counterHash = rehash(hash);
    let lowest = MAX_FREQUENCY;
    for (let row = 0; row < 4; row++) {
      const bits = counterHash >>> (row << 3);
      const word = block + (row << 1) + (bits & 1);
      const count = (table[word]! >>> (((bits >>> 1) & 7) << 2)) & 15;
      if (count < lowest) lowest = count;
    }
    return lowest;
  }

  /** Forgets every count. */
  clear(): void {
    this.#table.fill(0);
    this.#additions = 0;
  }

  #resize(entries: number): void {
    const capacity = Math.max(16, nextPowerOfTwo(entries));
    const words = Math.min(MAX_WORDS, capacity * WORDS_PER_ENTRY);
    this.#table = new Int32Array(words);
    this.#blockMask = (words >>> 3) - 1;
    this.#capacity = capacity;
    this.#sampleSize = 10 * capacity;
    this.#additions = 0;
  }

  #halve(): void {
    const table = this.#table;
    for (let index = 0; index < table.length; index++) {
      table[index] = (table[index]! >>> 1) & HALF_MASK;
    }
    this.#additions >>>= 1;
  }
}

/** A second, independent-looking hash from the first, for picking the counters within a block. */
function rehash(hash: number): number {
  const mixed = Math.imul(hash, 0x31848bab);
  return (mixed ^ (mixed >>> 14)) >>> 0;
}

/** The smallest power of two ≥ `value` (at most 2^30). */
export function nextPowerOfTwo(value: number): number {
  if (!Number.isFinite(value) || value >= 2 ** 30) return 2 ** 30;
  let power = 1;
  while (power < value) power *= 2;
  return power;
}
