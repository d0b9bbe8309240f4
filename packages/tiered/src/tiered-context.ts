import type { BackendError, Logger, OperationTraceContext } from '@cachestack/core';
import type { TieredInvalidationEvent } from './invalidation-listeners.js';
import type { SingleFlight } from './single-flight.js';
import type { Tier } from './tier.js';
import type { TierFailureEvent } from './tiered-backend-options.js';

/** A failed or skipped tier during one tiered operation. */
export interface TierFailure {
  tier: Tier;
  error: BackendError;
}

/** What a coalesced lower-tier read settles with. */
export interface ReadOutcome {
  /** The bytes found, or `undefined` when no consulted tier had the key. */
  value: Uint8Array | undefined;
  /** Tiers that failed or were skipped (never mutated: it may be shared). */
  failures: readonly TierFailure[];
  /** The tier that had the key, when one had it. */
  source?: Tier | undefined;
  /**
   * True while the first caller may take `value` itself (nothing else will
   * read it: its backfill is done); set to false once taken. Every other
   * caller gets a copy.
   */
  firstMayOwn?: boolean;
}

/**
 * Records on a trace context which tier answered a read (the
 * `cachestack:tiered` layer fields `tier` and `tierBackendType`).
 */
export function traceAnswer(trace: OperationTraceContext | undefined, tier: Tier): void {
  if (trace === undefined) return;
  trace.tier = tier.index;
  trace.tierBackendType = tier.backend.backendType;
}

/**
 * The state the read and write algorithms share with {@link TieredBackend}.
 * Internal to the package.
 */
export interface TieredContext {
  /** The tiers, L1 first; the last one is authoritative. */
  readonly tiers: readonly Tier[];
  /** See `TieredBackendOptions.readPolicy`. */
  readonly readPolicy: 'degrade' | 'strict';
  /** See `TieredBackendOptions.backfillTtlMs`. */
  readonly backfillTtlMs: number | undefined;
  /** Coalesced single-key reads below L1. */
  readonly flights: SingleFlight<ReadOutcome>;
  /** Bumped by every write, delete or clear (batch reads compare it before backfilling). */
  readonly writeEpoch: () => number;
  /** Records a write to `keys` (`undefined`: every key) so in-flight reads skip their backfill. */
  markWritten(keys: readonly string[] | undefined): void;
  /** Reports an absorbed tier failure. */
  report(event: TierFailureEvent): void;
  /** Where the tiered backend logs (silent unless the `logger` option is set). */
  readonly logger: Logger;
  /** Counts background work (a backfill; it must never reject) as in flight, so `close()` waits for it. */
  track(work: Promise<void>): Promise<void>;
  /** Tells the `onInvalidate` listeners what the local tiers just dropped; never throws. */
  invalidated(event: TieredInvalidationEvent): void;
  /** Publishes an invalidation message, when a bus is configured; never rejects. */
  publish(kind: 'keys' | 'clear', keys?: readonly string[]): Promise<void>;
}
