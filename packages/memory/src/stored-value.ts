import { getHeapStatistics } from 'node:v8';
import { ownsWholeBuffer } from '@cachestack/core';

/** Largest value a write keeps as a string until its first read, in bytes. */
export const INLINE_MAX_BYTES = 4096;

/**
 * A value as the memory backend keeps it, never handed out (readers get a
 * fresh copy, see {@link copyOut}):
 * - a Latin-1 string (one character per byte, so every byte value
 *   round-trips): how a small value is written. V8 allocates it on its heap
 *   in tens of nanoseconds, where a new `ArrayBuffer` costs about a
 *   microsecond. It stays a string: every read decodes it into a fresh
 *   `Buffer` (from Node's pool when small), which costs what copying from an
 *   array costs, so the first read after a write is no dearer than later ones;
 * - a `Uint8Array` with an `ArrayBuffer` of its own (never a slice of Node's
 *   shared pool, which would keep a whole slab alive): how larger values are
 *   written, and all values once the store is large next to the V8 heap.
 */
export type StoredValue = string | Uint8Array;

/** The number of bytes `stored` holds. */
export function storedByteLength(stored: StoredValue): number {
  return typeof stored === 'string' ? stored.length : stored.byteLength;
}

/** The bytes of a string-kept value, in an `ArrayBuffer` of their own (for snapshots). */
export function bytesOf(stored: string): Uint8Array {
  const bytes = Buffer.allocUnsafeSlow(stored.length);
  bytes.write(stored, 0, stored.length, 'latin1');
  return bytes;
}

/**
 * A fresh `Buffer` with the bytes of `stored` (small ones from Node's shared
 * pool): never a view of storage, so a caller may change it freely.
 */
export function copyOut(stored: StoredValue): Buffer {
  if (typeof stored === 'string') return Buffer.from(stored, 'latin1');
  const copy = Buffer.allocUnsafe(stored.byteLength);
  copy.set(stored);
  return copy;
}

/**
 * The bytes of `stored` to lend for one synchronous call (core's
 * borrowed-read protocol): the stored array itself, or for a string-kept
 * value a fresh `Buffer` of its bytes. The borrower must not keep or change it.
 */
export function lend(stored: StoredValue): Uint8Array {
  return typeof stored === 'string' ? Buffer.from(stored, 'latin1') : stored;
}

/**
 * Makes the private stored copy of a written value. Strings count against
 * the V8 heap limit, so small values are only written as strings while the
 * whole store is small next to that limit.
 */
export class StoredValueFactory {
  /** Store size (bytes) below which small values are written as strings. */
  readonly inlineBudgetBytes: number;

  /** @param inlineBudgetBytes - default: a quarter of `v8.getHeapStatistics().heap_size_limit`. */
  constructor(inlineBudgetBytes = Math.floor(getHeapStatistics().heap_size_limit / 4)) {
    this.inlineBudgetBytes = inlineBudgetBytes;
  }

  /**
   * A private copy of `value`, given that the store currently holds
   * `storeBytes` bytes. With `transferred` (the caller handed `value` over
   * for good, core's transferred-write protocol), `value` itself when it
   * would be kept as an array and owns its memory wholly (core's
   * `ownsWholeBuffer`: never a slice of a shared pool slab).
   */
  copyOf(value: Uint8Array, storeBytes: number, transferred = false): StoredValue {
    if (value.byteLength <= INLINE_MAX_BYTES && storeBytes < this.inlineBudgetBytes) {
      const view =
        value instanceof Buffer
          ? value
          : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return view.toString('latin1');
    }
    return transferred && ownsWholeBuffer(value) ? value : new Uint8Array(value);
  }
}
