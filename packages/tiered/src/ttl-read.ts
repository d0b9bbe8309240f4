import type { BaseBackend } from '@cachestack/core';

/** A value together with its remaining time to live, as a {@link TtlReadable} tier returns it. */
export interface ValueWithTtl {
  /** The bytes (the caller's own copy: never aliasing storage or another caller's). */
  value: Uint8Array;
  /** Remaining time to live in ms when read (at least 1), or `Infinity` for no expiry. */
  ttlMs: number;
}

/**
 * The optional TTL-read protocol of a lower tier: `getWithTtl(key)` returns
 * a value and its remaining TTL in ONE round trip, consistent with each
 * other (read atomically), or `undefined` when the key is missing or
 * expired; `getManyWithTtl(keys)` does the same for several keys, in order.
 * `TieredBackend` uses them, when a tier below L1 offers both, to read a
 * hit and backfill the tiers above without a second round trip for the
 * TTL (a `getTtl` after the `get`). `@cachestack/redis` offers it (one Lua
 * script: `GET` + `PTTL`). Time limits of `'get'` (and `'getMany'`) apply.
 * It is an optimisation: the value must be exactly what `get` would resolve.
 * A tier whose TTL read fails with a PERMANENT or AUTHENTICATION error while
 * its `get` works (e.g. a Redis ACL user without scripting) is read with
 * `get`, then `getTtl`, for the rest of the `TieredBackend`'s life.
 */
export interface TtlReadable {
  /** The value of `key` and its remaining TTL in ms, or `undefined` when missing or expired. */
  getWithTtl(key: string): Promise<ValueWithTtl | undefined>;
  /** {@link TtlReadable.getWithTtl} for each of `keys`, in order (duplicates get copies of their own). */
  getManyWithTtl(keys: readonly string[]): Promise<(ValueWithTtl | undefined)[]>;
}

/** True when `backend` offers the {@link TtlReadable} protocol (both methods). */
export function isTtlReadable<B extends BaseBackend>(backend: B): backend is B & TtlReadable {
  const candidate = backend as Partial<TtlReadable>;
  return (
    typeof candidate.getWithTtl === 'function' && typeof candidate.getManyWithTtl === 'function'
  );
}
