import type { BaseBackend } from './backend.js';

/**
 * The method key of the optional local-read protocol: an in-process backend
 * (memory) that can answer a `get` synchronously exposes
 * `[LOCAL_READ](key)`. A composite (tiered) uses it to serve an L1 hit
 * without an extra promise step. It is an optimisation, not a capability:
 * the result must be exactly what `get` would resolve.
 */
export const LOCAL_READ: unique symbol = Symbol.for('cachestack.localRead');

/**
 * What a local read returns when it cannot answer synchronously right now
 * (for example a time limit or an injected delay applies, or the backend is
 * closed): the caller must use `get` instead.
 */
export const LOCAL_READ_UNAVAILABLE: unique symbol = Symbol.for('cachestack.localRead.unavailable');

/** A backend that offers the {@link LOCAL_READ} protocol. */
export interface LocalReadable {
  /**
   * Synchronously what `get(key)` would resolve (a copy of the bytes, or
   * `undefined`), or {@link LOCAL_READ_UNAVAILABLE}. Throws the
   * `BackendError` that `get` would reject with.
   */
  [LOCAL_READ](key: string): Uint8Array | undefined | typeof LOCAL_READ_UNAVAILABLE;
}

/** True when `backend` offers the {@link LOCAL_READ} protocol. */
export function hasLocalRead<B extends BaseBackend>(backend: B): backend is B & LocalReadable {
  return typeof (backend as Partial<LocalReadable>)[LOCAL_READ] === 'function';
}
