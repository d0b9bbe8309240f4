import {
  BackendError,
  BackendErrorType,
  type BaseBackend,
  hasLocalRead,
  isBatch,
  isClearable,
  isTimeoutConfigurable,
  type LocalReadable,
  type Logger,
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
  /** The backend again when it reads a value and its TTL in one round trip ({@link TtlReadable}). */
  readonly ttlRead: TtlReadable | undefined;

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
  async attempt<T>(
    operation: string,
    key: string | undefined,
    fn: (backend: BaseBackend) => Promise<T>,
  ): Promise<Attempt<T>> {
    if (!this.breaker.tryPass()) return { ok: false, error: this.openError(operation, key) };
    try {
      const value = await fn(this.backend);
      this.breaker.onSuccess();
      return { ok: true, value };
    } catch (error) {
      const classified = toBackendError(error, operation, key);
      this.breaker.onFailure(classified);
      return { ok: false, error: classified };
    }
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
