import type { BaseBackend } from './backend.js';

/** Inspect and refresh the remaining lifetime of entries. */
export interface TTLInspectable {
  /**
   * Remaining lifetime in ms: `Infinity` when the key has no expiry,
   * `undefined` when it is missing or expired. Does not change the TTL.
   */
  getTtl(key: string): Promise<number | undefined>;
  /**
   * Makes a live key expire `ttlMs` from now (replacing, not adding to, its
   * old TTL). Resolves `true` if the key existed; a missing key is not created.
   * @param ttlMs - new time to live in ms, finite and > 0.
   */
  refreshTtl(key: string, ttlMs: number): Promise<boolean>;
}

/** Options for {@link Lockable.acquireLock}. */
export interface AcquireLockOptions {
  /** How long the lock lives unless released or extended, in ms (> 0). */
  ttlMs: number;
  /**
   * How long to keep trying to get a held lock, in ms (>= 0).
   * @default 0 (one try)
   */
  waitMs?: number;
}

/**
 * A held lock. Only this handle's token can release or extend it. Locks are
 * for efficiency (stampede protection, avoiding duplicate work): they are not
 * fencing-safe for correctness unless {@link Lock.fencingToken} is set.
 */
export interface Lock extends AsyncDisposable {
  /** The key the lock protects (in the lock key space, apart from data keys). */
  readonly key: string;
  /** A random token (>= 128 bits) identifying this holder. */
  readonly token: string;
  /** A number that grows with every acquisition of this key, when the backend offers one. */
  readonly fencingToken?: number | undefined;
  /** Releases the lock. Resolves `false` if it was no longer held by this token. */
  release(): Promise<boolean>;
  /**
   * Makes the lock expire `ttlMs` from now. Resolves `false` if it was no
   * longer held by this token (expired, released, or taken by another holder).
   */
  extend(ttlMs: number): Promise<boolean>;
}

/** Mutual exclusion on a key, with automatic expiry. */
export interface Lockable {
  /**
   * Tries to take the lock on `key` until `waitMs` has passed. Resolves the
   * {@link Lock}, or `undefined` when it could not be had in time.
   */
  acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined>;
}

/** The operations a time limit can apply to; `'*'` means every operation. */
export type TimeoutOperation =
  | 'get'
  | 'set'
  | 'delete'
  | 'exists'
  | 'getTtl'
  | 'refreshTtl'
  | 'acquireLock'
  | 'releaseLock'
  | 'extendLock'
  | 'getMany'
  | 'setMany'
  | 'deleteMany'
  | 'clear'
  | 'keys'
  | 'healthCheck'
  | '*';

/** Per-operation time limits, scoped to an async call tree. */
export interface TimeoutConfigurable {
  /**
   * Runs `fn`. Operations of kind `operation` (or every operation, for `'*'`)
   * that `fn` starts on this backend fail with a TIMEOUT {@link BackendError}
   * when they take longer than `timeoutMs`. Scoped with `AsyncLocalStorage`:
   * concurrent callers do not see each other's limits. Nested scopes keep
   * the smaller limit.
   * @param timeoutMs - finite and > 0, in ms; anything else rejects with `INVALID_TIMEOUT`.
   */
  withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T>;
}

/** An entry for {@link Batch.setMany}. */
export interface BatchEntry {
  /** The key. */
  key: string;
  /** The bytes to store. */
  value: Uint8Array;
  /** Time to live in ms; `undefined` means no expiry. */
  ttlMs?: number | undefined;
}

/**
 * Several keys in one call, in one round trip or transaction where the store
 * allows. Every key is validated before anything changes.
 */
export interface Batch {
  /** Values in the order of `keys`; `undefined` for misses. */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  /** Stores every entry. */
  setMany(entries: readonly BatchEntry[]): Promise<void>;
  /** Removes every key; resolves how many existed. */
  deleteMany(keys: readonly string[]): Promise<number>;
}

/** Removes this backend's entries only (its namespace), never anything else in a shared store. */
export interface Clearable {
  /** Removes every entry of this backend's namespace. */
  clear(): Promise<void>;
}

/** Lists live keys. */
export interface KeyIterable {
  /** Live (unexpired) keys of this backend's namespace, optionally starting with `prefix`. */
  keys(prefix?: string): AsyncIterable<string>;
}

/** Capability names, as used by {@link requireCapability} and the conformance kit. */
export type CapabilityName = 'ttl' | 'lock' | 'timeout' | 'batch' | 'clear' | 'keys';

/** Maps each {@link CapabilityName} to its interface. */
export interface CapabilityMap {
  ttl: TTLInspectable;
  lock: Lockable;
  timeout: TimeoutConfigurable;
  batch: Batch;
  clear: Clearable;
  keys: KeyIterable;
}

/** Every {@link CapabilityName}. */
export const CAPABILITY_NAMES: readonly CapabilityName[] = [
  'ttl',
  'lock',
  'timeout',
  'batch',
  'clear',
  'keys',
];

/** Turns a union `A | B` into the intersection `A & B` (used by {@link BackendWith}). */
export type UnionToIntersection<U> = (U extends unknown ? (arg: U) => void : never) extends (
  arg: infer I,
) => void
  ? I
  : never;

/** A backend known to offer every capability in `C`. */
export type BackendWith<C extends CapabilityName> = BaseBackend &
  UnionToIntersection<CapabilityMap[C]>;
