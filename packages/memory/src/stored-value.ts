import { getHeapStatistics } from 'node:v8';

/** Largest value a write keeps as a string until its first read, in bytes. */
export const INLINE_MAX_BYTES = 4096;

/**
 * One value as the memory backend keeps it, never handed out (readers get a
 * fresh copy from {@link StoredValue.copy}).
 *
 * Writes are cheap, reads stay cheap: a small value is written as a Latin-1
 * string (one character per byte, so every byte value round-trips), which
 * V8 allocates on its heap in tens of nanoseconds, where a new `ArrayBuffer`
 * costs about a microsecond. The first read moves the bytes into an
 * `ArrayBuffer` of their own (never a slice of Node's shared pool, which
 * would keep a whole slab alive), from which every read copies with a plain
 * `memcpy`. A value overwritten before anyone reads it never pays for an
 * `ArrayBuffer` at all.
 */
export class StoredValue {
  #bytes: string | Uint8Array;

  /** Wraps bytes this store owns: a Latin-1 string or an array nobody else holds. */
  constructor(bytes: string | Uint8Array) {
    this.#bytes = bytes;
  }

  /** The value's length in bytes. */
  get byteLength(): number {
    const bytes = this.#bytes;
    return typeof bytes === 'string' ? bytes.length : bytes.byteLength;
  }

  /** A fresh `Buffer` with the value's bytes (small ones from Node's shared pool). */
  copy(): Buffer {
    const bytes = this.bytes();
    const copy = Buffer.allocUnsafe(bytes.byteLength);
    copy.set(bytes);
    return copy;
  }

  /** The stored bytes themselves, not a copy: callers must not mutate or hand them out. */
  bytes(): Uint8Array {
    const bytes = this.#bytes;
    if (typeof bytes !== 'string') return bytes;
    const array = Buffer.allocUnsafeSlow(bytes.length);
    array.write(bytes, 0, bytes.length, 'latin1');
    this.#bytes = array;
    return array;
  }
}

/**
 * Makes the private stored copy of a written value. Strings count against
 * the V8 heap limit, so small values are only kept as strings while the
 * whole store is small next to that limit.
 */
export class StoredValueFactory {
  /** Store size (bytes) below which small values are written as strings. */
  readonly inlineBudgetBytes: number;

  /** @param inlineBudgetBytes - default: a quarter of `v8.getHeapStatistics().heap_size_limit`. */
  constructor(inlineBudgetBytes = Math.floor(getHeapStatistics().heap_size_limit / 4)) {
    this.inlineBudgetBytes = inlineBudgetBytes;
  }

  /** A private copy of `value`, given that the store currently holds `storeBytes` bytes. */
  copyOf(value: Uint8Array, storeBytes: number): StoredValue {
    if (value.byteLength <= INLINE_MAX_BYTES && storeBytes < this.inlineBudgetBytes) {
      const view =
        value instanceof Buffer
          ? value
          : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return new StoredValue(view.toString('latin1'));
    }
    return new StoredValue(new Uint8Array(value));
  }
}
