import type { BaseBackend } from './backend.js';
import type { LOCAL_READ, LOCAL_READ_UNAVAILABLE } from './local-read.js';

/**
 * The method key of the optional borrowed-read protocol: an in-process
 * backend (memory) that can lend its stored bytes for the length of one
 * synchronous call exposes `[BORROWED_READ](key, use)`. A caller that decodes
 * the bytes into fresh values at once (the cache facade's default
 * serializer) reads a large value without the copy `get` makes. It is an
 * optimisation, not a capability: what `use` sees is exactly what `get`
 * would resolve, and the decline rules are those of
 * {@link LOCAL_READ}.
 */
export const BORROWED_READ: unique symbol = Symbol.for('cachestack.borrowedRead');

/**
 * The method key of the optional transferred-write protocol: a backend that
 * can keep a caller's array instead of copying it exposes
 * `[TRANSFERRED_SET](key, value, ttlMs?)`. The caller hands over `value` for
 * good: it must never read or write it (or any view of its memory) again,
 * whether the call succeeds or not. Otherwise exactly `set`.
 */
export const TRANSFERRED_SET: unique symbol = Symbol.for('cachestack.transferredSet');

/** A backend that offers the {@link BORROWED_READ} protocol. */
export interface BorrowedReadable {
  /**
   * Calls `use` synchronously with a view of the live value's stored bytes
   * (or `undefined` when `get(key)` would resolve `undefined`) and returns
   * what `use` returns. The view is valid only during the call: `use` must
   * not keep it, any array over its memory, nor write to it. Counts as a
   * read, as `get` does.
   *
   * Returns {@link LOCAL_READ_UNAVAILABLE} without calling `use` when it
   * cannot answer synchronously right now, under the same rules as
   * `[LOCAL_READ]` (a time limit or an injected delay applies, someone
   * subscribes to the backend's tracing channel, the backend is closed): the
   * caller must use `get` instead. Throws the `BackendError` that `get` would
   * reject with, before calling `use`; what `use` throws propagates as it is.
   */
  [BORROWED_READ]<T>(
    key: string,
    use: (view: Uint8Array | undefined) => T,
  ): T | typeof LOCAL_READ_UNAVAILABLE;
}

/** A backend that offers the {@link TRANSFERRED_SET} protocol. */
export interface TransferredSettable {
  /**
   * `set(key, value, ttlMs)`, except that the backend may keep `value`
   * itself instead of a copy: it does so only when `value` owns its memory
   * wholly (see {@link ownsWholeBuffer}), and copies otherwise. The caller
   * must never touch `value` again. Traced, timed and validated as `set`.
   * @param ttlMs - as for `set`: ms, `undefined` for no expiry.
   */
  [TRANSFERRED_SET](key: string, value: Uint8Array, ttlMs?: number): Promise<void>;
}

/** True when `backend` offers the {@link BORROWED_READ} protocol. */
export function hasBorrowedRead<B extends BaseBackend>(
  backend: B,
): backend is B & BorrowedReadable {
  return typeof (backend as Partial<BorrowedReadable>)[BORROWED_READ] === 'function';
}

/** True when `backend` offers the {@link TRANSFERRED_SET} protocol. */
export function hasTransferredSet<B extends BaseBackend>(
  backend: B,
): backend is B & TransferredSettable {
  return typeof (backend as Partial<TransferredSettable>)[TRANSFERRED_SET] === 'function';
}

/**
 * True when keeping `bytes` retains nothing but its own bytes: it covers its
 * whole `ArrayBuffer`, which is neither shared nor resizable. A slice of
 * Node's `Buffer` pool (small `Buffer.from`/`allocUnsafe` results) is not:
 * keeping it would pin the whole 8 KiB slab, so a backend copies it instead.
 */
export function ownsWholeBuffer(bytes: Uint8Array): boolean {
  const buffer = bytes.buffer;
  return (
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength &&
    buffer instanceof ArrayBuffer &&
    !(buffer as ArrayBuffer & { resizable?: boolean }).resizable
  );
}
