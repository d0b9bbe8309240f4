import { randomUUID } from 'node:crypto';
import {
  assertKnownOptions,
  type BackendError,
  type BaseBackend,
  type InvalidationBus,
  type Logger,
  resolveLogger,
  resolveTimeoutsOption,
  type TimeoutDefaults,
} from '@cachestack/core';
import type { CircuitBreakerOptions } from './circuit-breaker.js';

/** One tier with its settings, for {@link TieredBackendOptions.tiers}. */
export interface TierOptions {
  /** The backend of this tier. */
  backend: BaseBackend;
  /**
   * A name for health reports and errors.
   * @default `L1`, `L2`, … by position
   */
  name?: string | undefined;
  /**
   * Longest TTL, in ms, of a copy written into this tier, by writes and by
   * backfills. Also bounds how long a copy can stay stale when an
   * invalidation message is lost or the tier was skipped by its breaker.
   * @default no cap
   */
  maxTtlMs?: number | undefined;
  /**
   * True when this tier is private to the process (memory): its copies are
   * dropped on invalidation messages from other processes and after the bus
   * reconnects.
   * @default true for every tier except the last (authoritative) one. The
   * last tier defaults to false even when it is the only one, because
   * dropping keys from a shared store on other instances' messages would
   * delete their data; set it to true for a single in-process tier.
   */
  local?: boolean | undefined;
  /** This tier's circuit breaker thresholds. */
  circuitBreaker?: CircuitBreakerOptions | undefined;
}

/** Cross-process invalidation settings, for {@link TieredBackendOptions.invalidation}. */
export interface TieredInvalidationOptions {
  /** The bus carrying invalidation messages (e.g. `RedisInvalidationBus`). The caller owns it and closes it. */
  bus: InvalidationBus;
  /** The cache namespace: only messages with the same namespace are applied. */
  namespace: string;
  /**
   * This instance's origin id; its own messages are ignored.
   * @default a random UUID per instance
   */
  origin?: string | undefined;
}

/** A tier failure the tiered backend absorbed instead of rejecting. */
export interface TierFailureEvent {
  /** The tiered operation, e.g. `get`, `backfill`, `invalidate`, `publish`. */
  operation: string;
  /** The key, when there is one. */
  key?: string | undefined;
  /** The name of the failing tier, when a tier failed (not the bus). */
  tier?: string | undefined;
  /** The classified error. */
  error: BackendError;
}

/** Options of {@link TieredBackend}. */
export interface TieredBackendOptions {
  /**
   * The tiers, fastest first (L1 … Ln); the last one is authoritative. At least one.
   * A bare backend is the same as `{ backend }`.
   */
  tiers: readonly (BaseBackend | TierOptions)[];
  /**
   * Whether {@link TieredBackend.close} closes the tiers too.
   * @default true
   */
  closeTiers?: boolean | undefined;
  /**
   * What a read does when some tier failed and no tier had the key:
   * `'degrade'` resolves a miss and reports the failure to `onDegraded`;
   * `'strict'` rejects with the failing tier's classified error. When every
   * consulted tier fails, both reject.
   * @default 'degrade'
   */
  readPolicy?: 'degrade' | 'strict' | undefined;
  /** Called for every tier failure that was absorbed (degraded reads, failed backfills, invalidation and publish failures). */
  onDegraded?: ((event: TierFailureEvent) => void) | undefined;
  /** Cross-process L1 invalidation. */
  invalidation?: TieredInvalidationOptions | undefined;
  /** Default time limits in ms per tiered operation (`'*'` for all). */
  timeouts?: TimeoutDefaults | undefined;
  /**
   * TTL in ms for backfilled copies when the tier that answered cannot report
   * the remaining TTL (it is not TTL-inspectable). Capped by each tier's
   * `maxTtlMs`. Without it and without a cap, such hits are not backfilled.
   * @default none
   */
  backfillTtlMs?: number | undefined;
  /**
   * Where the tiered backend logs (pino-compatible: `debug/info/warn/error(fields, message)`):
   * tier circuit breakers opening (warn) and closing (info), absorbed tier
   * failures (warn; debug for calls skipped by an open circuit), local
   * tiers dropped after a tier recovered or the bus reconnected (info), a
   * tier that refuses the TTL-read protocol, once (warn), and an
   * `onInvalidate` listener that threw (warn).
   * Keys may appear in the fields; values and credentials never do.
   * @default silent
   */
  logger?: Logger | undefined;
}

/** The settings of one tier after validation. */
export interface ResolvedTier {
  backend: BaseBackend;
  name: string;
  index: number;
  maxTtlMs: number | undefined;
  local: boolean;
  circuitBreaker: CircuitBreakerOptions;
}

/** {@link TieredBackendOptions} after validation. */
export interface ResolvedTieredOptions {
  tiers: ResolvedTier[];
  closeTiers: boolean;
  readPolicy: 'degrade' | 'strict';
  onDegraded: ((event: TierFailureEvent) => void) | undefined;
  invalidation: Required<TieredInvalidationOptions> | undefined;
  timeouts: TimeoutDefaults;
  backfillTtlMs: number | undefined;
  logger: Logger;
}

function isBackend(value: unknown): value is BaseBackend {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return ['get', 'set', 'delete', 'exists', 'healthCheck', 'close'].every(
    (name) => typeof record[name] === 'function',
  );
}

const OPTION_NAMES = Object.keys({
  tiers: true,
  closeTiers: true,
  readPolicy: true,
  onDegraded: true,
  invalidation: true,
  timeouts: true,
  backfillTtlMs: true,
  logger: true,
} satisfies Record<keyof TieredBackendOptions, true>);

const TIER_OPTION_NAMES = Object.keys({
  backend: true,
  name: true,
  maxTtlMs: true,
  local: true,
  circuitBreaker: true,
} satisfies Record<keyof TierOptions, true>);

const CIRCUIT_BREAKER_OPTION_NAMES = Object.keys({
  failureThreshold: true,
  resetTimeoutMs: true,
} satisfies Record<keyof CircuitBreakerOptions, true>);

const INVALIDATION_OPTION_NAMES = Object.keys({
  bus: true,
  namespace: true,
  origin: true,
} satisfies Record<keyof TieredInvalidationOptions, true>);

function optionalTtl(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a finite number of ms > 0, got ${String(value)}`);
  }
  return Math.ceil(value);
}

function resolveTier(entry: unknown, index: number, count: number): ResolvedTier {
  const where = `tiers[${index}]`;
  const given: TierOptions = isBackend(entry) ? { backend: entry } : (entry as TierOptions);
  if (typeof given !== 'object' || given === null || !isBackend(given.backend)) {
    throw new TypeError(`${where} must be a backend or { backend, ... } with a backend`);
  }
  if (!isBackend(entry)) assertKnownOptions(given, TIER_OPTION_NAMES, `TieredBackend ${where}`);
  if (given.name !== undefined && (typeof given.name !== 'string' || given.name === '')) {
    throw new TypeError(`${where}.name must be a non-empty string`);
  }
  if (given.local !== undefined && typeof given.local !== 'boolean') {
    throw new TypeError(`${where}.local must be a boolean`);
  }
  if (given.circuitBreaker !== undefined && typeof given.circuitBreaker !== 'object') {
    throw new TypeError(`${where}.circuitBreaker must be an object`);
  }
  assertKnownOptions(
    given.circuitBreaker,
    CIRCUIT_BREAKER_OPTION_NAMES,
    `TieredBackend ${where}.circuitBreaker`,
  );
  return {
    backend: given.backend,
    name: given.name ?? `L${index + 1}`,
    index,
    maxTtlMs: optionalTtl(`${where}.maxTtlMs`, given.maxTtlMs),
    local: given.local ?? index < count - 1,
    circuitBreaker: given.circuitBreaker ?? {},
  };
}

function resolveInvalidation(
  given: TieredInvalidationOptions | undefined,
): Required<TieredInvalidationOptions> | undefined {
  if (given === undefined) return undefined;
  if (typeof given !== 'object' || given === null) {
    throw new TypeError('invalidation must be { bus, namespace, origin? }');
  }
  assertKnownOptions(given, INVALIDATION_OPTION_NAMES, 'TieredBackend invalidation');
  const { bus, namespace, origin } = given;
  if (
    typeof bus !== 'object' ||
    bus === null ||
    typeof bus.publish !== 'function' ||
    typeof bus.subscribe !== 'function'
  ) {
    throw new TypeError('invalidation.bus must be an InvalidationBus (publish, subscribe, close)');
  }
  if (typeof namespace !== 'string' || namespace === '') {
    throw new TypeError('invalidation.namespace must be a non-empty string');
  }
  if (origin !== undefined && (typeof origin !== 'string' || origin === '')) {
    throw new TypeError('invalidation.origin must be a non-empty string');
  }
  return { bus, namespace, origin: origin ?? randomUUID() };
}

/** Validates {@link TieredBackendOptions}; throws a `TypeError` naming the bad option. */
export function resolveTieredOptions(options: TieredBackendOptions): ResolvedTieredOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('TieredBackend options must be an object with tiers');
  }
  assertKnownOptions(options, OPTION_NAMES, 'TieredBackend');
  const { tiers } = options;
  if (!Array.isArray(tiers) || tiers.length === 0) {
    throw new TypeError('tiers must be a non-empty array of backends or tier options');
  }
  const resolved = tiers.map((entry, index) => resolveTier(entry, index, tiers.length));
  if (new Set(resolved.map((tier) => tier.backend)).size !== resolved.length) {
    throw new TypeError('tiers must not contain the same backend twice');
  }
  const { closeTiers, readPolicy, onDegraded } = options;
  if (closeTiers !== undefined && typeof closeTiers !== 'boolean') {
    throw new TypeError('closeTiers must be a boolean');
  }
  if (readPolicy !== undefined && readPolicy !== 'degrade' && readPolicy !== 'strict') {
    throw new TypeError(`readPolicy must be 'degrade' or 'strict', got ${String(readPolicy)}`);
  }
  if (onDegraded !== undefined && typeof onDegraded !== 'function') {
    throw new TypeError('onDegraded must be a function');
  }
  const timeouts = resolveTimeoutsOption(options.timeouts, 'TieredBackend');
  return {
    tiers: resolved,
    closeTiers: closeTiers ?? true,
    readPolicy: readPolicy ?? 'degrade',
    onDegraded,
    invalidation: resolveInvalidation(options.invalidation),
    timeouts,
    backfillTtlMs: optionalTtl('backfillTtlMs', options.backfillTtlMs),
    logger: resolveLogger(options.logger, 'logger'),
  };
}
