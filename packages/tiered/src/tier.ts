import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type BaseBackend,
  hasLocalRead,
  isBatch,
  isClearable,
  isTimeoutConfigurable,
  type LocalReadable,
  type Logger,
  logSafely,
  type NormalizedBatchEntry,
  type TimeoutOperation,
  toBackendError,
} from '@cachestack/core';
import { CircuitBreaker, type CircuitStateListener } from './circuit-breaker.js';
import type { ResolvedTier } from './tiered-backend-options.js';
import { isTtlReadable, type TtlReadable } from './ttl-read.js';

/** The outcome of one call on a tier: its value, or the classified error (also when skipped). */
export type Attempt<T> = { ok: true; value: T } | { ok: false; error: BackendError };

/** Code of the TRANSIENT error for a tier skipped because its circuit is open. */
export const CIRCUIT_OPEN = 'CIRCUIT_OPEN';

/**
 * One tier at run time: its backend, settings and circuit breaker, plus
 * batch helpers that fall back to per-key calls when the backend has no
 * batch methods. Internal to the package.
 */
export class Tier {
  readonly backend: BaseBackend;
  readonly name: string;
  readonly index: number;
  readonly maxTtlMs: number | undefined;
  readonly local: boolean;
  readonly breaker: CircuitBreaker;
  /** The backend again when it answers `get` synchronously (core's local-read protocol). */
  readonly localRead: LocalReadable | undefined;
  /**
   * The backend again when it reads a value and its TTL in one round trip
   * ({@link TtlReadable}); `undefined` once the tier refused it (see
   * {@link Tier.readWithTtl}).
   */
  ttlRead: TtlReadable | undefined;
  readonly #logger: Logger;

  /**
   * @param listener - told of every breaker state change.
   * @param logger - where breaker state changes are logged.
   */
  constructor(settings: ResolvedTier, listener: CircuitStateListener, logger: Logger) {
    this.backend = settings.backend;
    this.localRead = hasLocalRead(settings.backend) ? settings.backend : undefined;
    this.ttlRead = isTtlReadable(settings.backend) ? settings.backend : undefined;
    this.name = settings.name;
    this.index = settings.index;
    this.maxTtlMs = settings.maxTtlMs;
    this.local = settings.local;
    this.#logger = logger;
    this.breaker = new CircuitBreaker(settings.circuitBreaker, listener, {
      name: `tier ${settings.name} (${settings.backend.backendType})`,
      logger,
    });
  }

  /** `ttlMs` capped by this tier's `maxTtlMs` (`undefined` means no expiry). */
  capTtl(ttlMs: number | undefined): number | undefined {
    const cap = this.maxTtlMs;
    if (cap === undefined) return ttlMs;
    return ttlMs === undefined || ttlMs > cap ? cap : ttlMs;
  }

  /**
   * The TTL for a copy written `elapsedMs` after the operation started (so
   * it expires no later than the entry written below it at the start):
   * min(ttl − elapsed, cap). `null` when that leaves less than 1 ms: the
   * tier should hold no copy at all.
   */
  copyTtl(ttlMs: number | undefined, elapsedMs: number): number | undefined | null {
    if (ttlMs === undefined || elapsedMs <= 0) return this.capTtl(ttlMs);
    const left = ttlMs - elapsedMs;
    return left >= 1 ? this.capTtl(left) : null;
  }

  /** The TRANSIENT error for a call refused by the open circuit. */
  openError(operation: string, key?: string): BackendError {
    return new BackendError({
      type: BackendErrorType.TRANSIENT,
      code: CIRCUIT_OPEN,
      message: `tier ${this.name} (${this.backend.backendType}) is skipped: its circuit breaker is open`,
      operation,
      key,
    });
  }

  /**
   * Runs `fn` on the backend if the breaker lets it through, records the
   * outcome in the breaker, and never throws.
   */
  attempt<T>(
    operation: string,
    key: string | undefined,
    fn: (backend: BaseBackend) => Promise<T>,
  ): Promise<Attempt<T>> {
    if (!this.breaker.tryPass()) {
      return Promise.resolve({ ok: false, error: this.openError(operation, key) });
    }
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(fn(this.backend));
    } catch (error) {
      pending = Promise.reject(error);
    }
    // `then` callbacks rather than an async frame: fewer promise steps on every tier call.
    return pending.then(
      this.#succeeded as (value: T) => Attempt<T>,
      (error: unknown): Attempt<T> => {
        const classified = toBackendError(error, operation, key);
        this.breaker.onFailure(classified);
        return { ok: false, error: classified };
      },
    );
  }

  /** A call that reached the tier: closes/keeps the breaker closed. Made once per tier (no closure per call). */
  readonly #succeeded = (value: unknown): Attempt<unknown> => {
    this.breaker.onSuccess();
    return { ok: true, value };
  };

  /**
   * Reads `key` with its remaining TTL through the breaker (never throws),
   * by the tier's TTL-read protocol when it still offers it, else by `get`
   * (`ttlMs` left `undefined`: the caller asks `getTtl` for a backfill).
   *
   * A tier may refuse the protocol while plain reads work: a Redis ACL user
   * without `+evalsha`/`+eval` (`NOPERM`, AUTHENTICATION), scripting
   * disabled or renamed away (PERMANENT). When the TTL read fails with a
   * PERMANENT or AUTHENTICATION error and a plain `get` then succeeds, the
   * refusal is remembered for the life of this tier (logged once, `warn`),
   * it does not count against the breaker, and the `get` answers. When the
   * `get` fails too, that failure is the tier's.
   */
  readWithTtl(key: string): Promise<Attempt<TierHit | undefined>> {
    const reader = this.ttlRead;
    if (reader === undefined) {
      return this.attempt('get', key, (backend) => backend.get(key).then(toHit));
    }
    if (!this.breaker.tryPass())
      return Promise.resolve({ ok: false, error: this.openError('get', key) });
    let pending: Promise<TierHit | undefined>;
    try {
      pending = reader.getWithTtl(key);
    } catch (error) {
      pending = Promise.reject(error);
    }
    // Plain `then` callbacks rather than an async frame: this is every L2 hit's path.
    return pending.then(
      this.#succeeded as (found: TierHit | undefined) => Attempt<TierHit | undefined>,
      (error: unknown) => {
        const refusal = toBackendError(error, 'get', key);
        if (!mayBeRefusal(refusal)) {
          this.breaker.onFailure(refusal);
          return { ok: false, error: refusal };
        }
        return this.#afterRefusal(refusal, 'get', key, () => this.backend.get(key).then(toHit));
      },
    );
  }

  /**
   * {@link Tier.readWithTtl} for several distinct keys (`getManyWithTtl`,
   * else `getMany`/per-key `get`), with the same fallback on a refusal.
   */
  async readManyWithTtl(keys: readonly string[]): Promise<Attempt<(TierHit | undefined)[]>> {
    const reader = this.ttlRead;
    const plain = async () => (await this.getMany(keys)).map(toHit);
    if (reader === undefined) return this.attempt('getMany', undefined, plain);
    if (!this.breaker.tryPass()) return { ok: false, error: this.openError('getMany') };
    try {
      const found = await reader.getManyWithTtl(keys);
      this.breaker.onSuccess();
      return { ok: true, value: found };
    } catch (error) {
      const refusal = toBackendError(error, 'getMany');
      if (!mayBeRefusal(refusal)) {
        this.breaker.onFailure(refusal);
        return { ok: false, error: refusal };
      }
      return this.#afterRefusal(refusal, 'getMany', undefined, plain);
    }
  }

  /**
   * The TTL read failed with `refusal`: retries with the plain read (inside
   * the breaker pass already taken). If that works, the tier refuses the
   * protocol: stop using it.
   */
  async #afterRefusal<T>(
    refusal: BackendError,
    operation: string,
    key: string | undefined,
    read: () => Promise<T>,
  ): Promise<Attempt<T>> {
    let value: T;
    try {
      value = await read();
    } catch (error) {
      const failure = toBackendError(error, operation, key);
      this.breaker.onFailure(failure);
      return { ok: false, error: failure };
    }
    this.breaker.onSuccess();
    if (this.ttlRead !== undefined) {
      this.ttlRead = undefined;
      logSafely(
        this.#logger,
        'warn',
        { tier: this.name, errorType: refusal.type, errorCode: refusal.code },
        `tier ${this.name} (${this.backend.backendType}) refuses the TTL read (${refusal.message}): reading with get, then getTtl, from now on`,
      );
    }
    return { ok: true, value };
  }

  /** Values for `keys` (distinct), by `getMany` when offered, else per-key `get`. */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const backend = this.backend;
    if (isBatch(backend)) return backend.getMany(keys);
    return Promise.all(keys.map((key) => backend.get(key)));
  }

  /** Stores `entries` (TTLs already capped), by `setMany` when offered, else per-key `set`. */
  async setMany(entries: readonly NormalizedBatchEntry[]): Promise<void> {
    const backend = this.backend;
    if (isBatch(backend)) {
      await backend.setMany(entries);
      return;
    }
    await Promise.all(entries.map((entry) => backend.set(entry.key, entry.value, entry.ttlMs)));
  }

  /** Deletes `keys` (distinct); resolves how many existed. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    const backend = this.backend;
    if (keys.length === 1) return (await backend.delete(keys[0] as string)) ? 1 : 0;
    if (isBatch(backend)) return backend.deleteMany(keys);
    const results = await Promise.all(keys.map((key) => backend.delete(key)));
    return results.filter(Boolean).length;
  }

  /** Clears the tier if it is clearable; resolves false when it is not. */
  async clearIfPossible(): Promise<boolean> {
    const backend = this.backend;
    if (!isClearable(backend)) return false;
    await backend.clear();
    return true;
  }
}

/** A hit read from a tier: the bytes, and the remaining TTL in ms when read with them. */
export interface TierHit {
  value: Uint8Array;
  /** Remaining TTL in ms (`Infinity`: no expiry); `undefined` when not read with the value. */
  ttlMs?: number | undefined;
}

/** A `get` result as a {@link TierHit}. */
export function toHit(value: Uint8Array | undefined): TierHit | undefined {
  return value === undefined ? undefined : { value };
}

/**
 * True for an error that may mean "this tier refuses the TTL-read protocol"
 * (an ACL or a disabled command): PERMANENT or AUTHENTICATION, except a
 * closed backend. Confirmed only when a plain read then works.
 */
function mayBeRefusal(error: BackendError): boolean {
  if (error.code === BackendErrorCode.CLOSED) return false;
  return (
    error.type === BackendErrorType.PERMANENT || error.type === BackendErrorType.AUTHENTICATION
  );
}

/**
 * Wraps `fn` so that it runs inside a `withTimeout(operation, timeoutMs)`
 * scope of every tier that is timeout-configurable: calls made on the tiers
 * inside `fn` see the limit too.
 */
export function nestTierScopes<T>(
  tiers: readonly Tier[],
  operation: TimeoutOperation,
  timeoutMs: number,
  fn: () => T | Promise<T>,
): () => T | Promise<T> {
  let inner = fn;
  for (const tier of tiers) {
    const backend = tier.backend;
    if (!isTimeoutConfigurable(backend)) continue;
    const next = inner;
    inner = () => backend.withTimeout(operation, timeoutMs, next);
  }
  return inner;
}
