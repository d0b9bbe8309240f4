import {
  type AcquireLockOptions,
  assertValidKey,
  assertValidKeys,
  assertValidValue,
  type BaseBackend,
  type Batch,
  type BatchEntry,
  copyBytes,
  type HealthStatus,
  LOCAL_READ,
  type LOCAL_READ_UNAVAILABLE,
  type LocalReadable,
  type Lock,
  normalizeBatchEntries,
  normalizeTtl,
  type TimeoutConfigurable,
  type TimeoutOperation,
} from '@cachestack/core';
import type { CircuitState } from './circuit-breaker.js';
import type {
  TieredInvalidationEvent,
  TieredInvalidationListener,
} from './invalidation-listeners.js';
import { readAllLocal } from './local-batch-read.js';
import { nestTierScopes, type Tier } from './tier.js';
import { supersededEntries, writeBatchToTier } from './tier-batch-write.js';
import { existsThrough, readMany } from './tier-reads.js';
import { deleteThrough, writeThrough } from './tier-writes.js';
import { resolveTieredOptions, type TieredBackendOptions } from './tiered-backend-options.js';
import { tieredCapabilities } from './tiered-capabilities.js';
import type { TieredContext } from './tiered-context.js';
import { getThrough } from './tiered-get.js';
import { aggregateHealth, closedHealth } from './tiered-health.js';
import { DeclinedL1Miss, readL1Now } from './tiered-local-read.js';
import { TieredOperationRunner } from './tiered-operation-runner.js';
import { TieredRuntime } from './tiered-runtime.js';

const TYPE = 'tiered';

/**
 * A multi-tier cache (L1 fastest … Ln authoritative) that is itself a
 * backend, so it passes the conformance kit and can be nested.
 *
 * - Reads: the first tier that has the key answers; upper tiers are
 *   backfilled with min(remaining TTL in the answering tier, their
 *   `maxTtlMs`), so a copy never outlives the authoritative entry.
 *   Concurrent misses of one key coalesce into one lower-tier read.
 * - Writes: bottom-up; a failed lower write leaves no upper copy.
 * - Failures: a circuit breaker per tier; `readPolicy` decides between a
 *   degraded miss and a rejection; when every tier fails the call rejects.
 *
 * Optional capabilities are own properties, present only when they can be
 * honoured: `getTtl`/`refreshTtl` when the authoritative tier is
 * TTL-inspectable, `acquireLock` when it is lockable (locks are delegated to
 * it, with its fencing guarantees, or lack of them), `clear` when every
 * tier is clearable, `keys` when the authoritative tier is key-iterable.
 * `withTimeout` and the batch methods are always there.
 */
export class TieredBackend implements BaseBackend, TimeoutConfigurable, Batch, LocalReadable {
  /** Always `'tiered'`. */
  readonly backendType = TYPE;
  /** Remaining TTL in ms from the authoritative tier; present when it is TTL-inspectable. */
  declare readonly getTtl?: (key: string) => Promise<number | undefined>;
  /** Refreshes the TTL on the authoritative tier and caps upper copies; present when it is TTL-inspectable. */
  declare readonly refreshTtl?: (key: string, ttlMs: number) => Promise<boolean>;
  /** A lock from the authoritative tier; present when it is lockable. Not fencing-safe unless `lock.fencingToken` is set. */
  declare readonly acquireLock?: (
    key: string,
    options: AcquireLockOptions,
  ) => Promise<Lock | undefined>;
  /** Clears every tier (bottom-up); present when every tier is clearable. */
  declare readonly clear?: () => Promise<void>;
  /** Live keys of the authoritative tier; present when it is key-iterable. */
  declare readonly keys?: (prefix?: string) => AsyncIterable<string>;

  readonly #runtime: TieredRuntime;
  readonly #tiers: readonly Tier[];
  readonly #first: Tier;
  readonly #runner: TieredOperationRunner;
  readonly #context: TieredContext;
  readonly #declinedMiss = new DeclinedL1Miss();
  readonly #copyValues: boolean;
  #closing: Promise<void> | undefined;

  /** @param options - see {@link TieredBackendOptions}; invalid options throw a `TypeError` naming the option. */
  constructor(options: TieredBackendOptions) {
    const resolved = resolveTieredOptions(options);
    this.#runner = new TieredOperationRunner(
      TYPE,
      resolved.timeouts,
      resolved.invalidation?.namespace,
    );
    const runtime = new TieredRuntime(resolved, this.#runner);
    this.#runtime = runtime;
    this.#tiers = runtime.tiers;
    this.#first = runtime.tiers[0] as Tier;
    this.#context = runtime.context;
    this.#copyValues = runtime.tiers.length > 1;
    Object.assign(this, tieredCapabilities(TYPE, this.#runner, this.#context));
  }

  /** The tiers' names, L1 first. */
  get tierNames(): string[] {
    return this.#tiers.map((tier) => tier.name);
  }

  /** Each tier's circuit breaker state, L1 first. */
  circuitStates(): CircuitState[] {
    return this.#tiers.map((tier) => tier.breaker.state);
  }

  /**
   * Resolves once the invalidation subscription (if any) is active, so that
   * messages published from now on reach this instance.
   */
  async ready(): Promise<void> {
    await this.#runtime.ready();
  }

  /**
   * The first tier that has the key answers; lower hits are backfilled upwards.
   * Rejects only when no tier answered (or a tier failed under `readPolicy: 'strict'`).
   * Traced on `cachestack:tiered` with the answering tier's index (`tier`) and `tierBackendType`.
   */
  get(key: string): Promise<Uint8Array | undefined> {
    const runner = this.#runner;
    if (!runner.tracer.active) {
      try {
        assertValidKey(key, 'get');
      } catch (error) {
        return Promise.reject(error);
      }
      return getThrough(runner, this.#context, this.#declinedMiss, key, undefined);
    }
    const trace = runner.tracer.context('get', key);
    return runner.tracer.traceContext(trace, () => {
      try {
        assertValidKey(key, 'get');
      } catch (error) {
        return Promise.reject(error);
      }
      return getThrough(runner, this.#context, this.#declinedMiss, key, trace);
    });
  }

  /**
   * The synchronous form of {@link TieredBackend.get} for an L1 hit (core's
   * local-read protocol), so a facade over this cache answers it without a
   * promise: the same bytes (a copy of L1's, never aliasing it), expiry and
   * breaker bookkeeping as the L1 hit of `get`. Answers
   * `LOCAL_READ_UNAVAILABLE` whenever `get` would do more than read L1
   * synchronously: an L1 miss (the lower tiers must be asked; the `get`
   * that follows in the same turn does not read L1 again), an L1 without
   * the protocol or declining it (time limit, delay, its own tracing
   * subscriber), an L1 failure, L1's circuit not closed, a time limit on
   * `get`, a closed backend, or a subscriber on the `cachestack:tiered`
   * tracing channel (so every read is traced).
   * @throws BackendError `INVALID_KEY`, as `get` would reject.
   */
  [LOCAL_READ](key: string): Uint8Array | undefined | typeof LOCAL_READ_UNAVAILABLE {
    return readL1Now(this.#runner, this.#context, this.#declinedMiss, key);
  }

  /** Writes bottom-up, each tier with min(`ttlMs`, its `maxTtlMs`); `ttlMs` in ms, none for no expiry. */
  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    return this.#runner.traced('set', key, undefined, () => {
      assertValidKey(key, 'set');
      assertValidValue(value, 'set', key);
      const ttl = normalizeTtl(ttlMs, 'set', key);
      const bytes = this.#copyValues ? copyBytes(value) : value;
      return this.#runner.guarded('set', key, () =>
        writeThrough(this.#context, 'set', [key], async (tier, elapsedMs) => {
          const copyTtl = tier.copyTtl(ttl, elapsedMs);
          if (copyTtl === null) await tier.backend.delete(key);
          else await tier.backend.set(key, bytes, copyTtl);
        }),
      );
    });
  }

  /** Deletes from every tier, bottom-up; `true` if any tier had the key. */
  delete(key: string): Promise<boolean> {
    return this.#runner.traced('delete', key, undefined, () => {
      assertValidKey(key, 'delete');
      return this.#runner.guarded(
        'delete',
        key,
        async () => (await deleteThrough(this.#context, 'delete', [key])) > 0,
      );
    });
  }

  /** `true` as soon as a tier (top-down) has the key, so it agrees with {@link TieredBackend.get}. */
  async exists(key: string): Promise<boolean> {
    if (!this.#runner.tracer.active) {
      assertValidKey(key, 'exists');
      return this.#runner.guarded('exists', key, () => existsThrough(this.#context, key));
    }
    const trace = this.#runner.tracer.context('exists', key);
    return this.#runner.tracer.traceContext(trace, () => {
      assertValidKey(key, 'exists');
      return this.#runner.guarded('exists', key, () => existsThrough(this.#context, key, trace));
    });
  }

  /**
   * Values in the order of `keys`; each tier is asked only for the keys
   * still missing. When an in-process L1 (local-read protocol) has every
   * key and no time limit applies, it answers alone, synchronously.
   */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const runner = this.#runner;
    if (runner.tracer.active) {
      return runner.traced('getMany', undefined, keys?.length, () => {
        assertValidKeys(keys, 'getMany');
        return runner.guarded('getMany', undefined, () => this.#getMany(keys));
      });
    }
    try {
      assertValidKeys(keys, 'getMany');
    } catch (error) {
      return Promise.reject(error);
    }
    if (!runner.closed && runner.timeouts.limitFor('getMany') === undefined) {
      const values = readAllLocal(this.#first, keys);
      if (values !== undefined) return Promise.resolve(values);
    }
    return runner.guarded('getMany', undefined, () => this.#getMany(keys));
  }

  async #getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    return readAllLocal(this.#first, keys) ?? readMany(this.#context, keys);
  }

  /**
   * Subscribes `listener` to the keys this instance drops from its local
   * tiers because the outside world changed them: invalidation messages
   * from other instances (`{ kind: 'keys', keys }` or `{ kind: 'clear' }`),
   * a bus reconnect or a local tier's recovery (`{ kind: 'clear' }`, see
   * {@link TieredInvalidationEvent}). It runs after the copies were
   * dropped; its own writes do not fire it. A listener that throws is
   * logged (`warn`) and never disturbs the bus or other listeners.
   * @returns a function that unsubscribes (idempotent).
   */
  onInvalidate(listener: TieredInvalidationListener): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError('TieredBackend: onInvalidate(listener) needs a function');
    }
    return this.#runtime.listeners.add(listener);
  }

  /** Like {@link TieredBackend.set} for several entries (batch calls where the tiers offer them). */
  setMany(entries: readonly BatchEntry[]): Promise<void> {
    return this.#runner.traced('setMany', undefined, entries?.length, () => {
      const normalized = normalizeBatchEntries(entries, 'setMany').map((entry) => ({
        ...entry,
        value: this.#copyValues ? copyBytes(entry.value) : entry.value,
      }));
      const keys = normalized.map((entry) => entry.key);
      const superseded = supersededEntries(entries);
      return this.#runner.guarded('setMany', undefined, async () => {
        if (normalized.length === 0) return;
        await writeThrough(this.#context, 'setMany', keys, (tier, elapsedMs) =>
          writeBatchToTier(tier, normalized, superseded, elapsedMs),
        );
      });
    });
  }

  /** Deletes from every tier; resolves the largest count any tier reported. */
  deleteMany(keys: readonly string[]): Promise<number> {
    return this.#runner.traced('deleteMany', undefined, keys?.length, () => {
      assertValidKeys(keys, 'deleteMany');
      const distinct = [...new Set(keys)];
      return this.#runner.guarded('deleteMany', undefined, async () => {
        if (distinct.length === 0) return 0;
        return deleteThrough(this.#context, 'deleteMany', distinct);
      });
    });
  }

  /**
   * Runs `fn` with a limit on tiered operations of kind `operation`, and the
   * same limit scoped on every tier that is itself timeout-configurable.
   */
  async withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    const scoped =
      typeof fn === 'function' ? nestTierScopes(this.#tiers, operation, timeoutMs, fn) : fn;
    return this.#runner.timeouts.run(operation, timeoutMs, scoped);
  }

  /**
   * Probes every tier in parallel; see {@link TierHealth}. Healthy only when
   * every tier is healthy. `details.absorbedFailures` counts tier failures
   * absorbed so far (degraded reads, failed backfills, …). Never throws.
   */
  async healthCheck(): Promise<HealthStatus> {
    if (this.#runner.closed) return closedHealth();
    return aggregateHealth(this.#tiers, { absorbedFailures: this.#runtime.absorbedFailures });
  }

  /**
   * Stops the invalidation subscription (the bus itself stays open: its
   * owner closes it), waits for background work, and closes the tiers when
   * `closeTiers` is true. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#runtime.shutdown(this.#runner.close());
    return this.#closing;
  }

  /** Same as {@link TieredBackend.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
