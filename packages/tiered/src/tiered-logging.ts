import { type Logger, logSafely } from '@cachestack/core';
import { CIRCUIT_OPEN } from './tier.js';
import type { TierFailureEvent } from './tiered-backend-options.js';

/**
 * Logs a tier failure the tiered backend absorbed: `warn`, or `debug` for
 * a call skipped because the tier's circuit is open (one per operation
 * while it stays open; the breaker's own `warn` says it opened). Names the
 * key, never a value.
 */
export function logAbsorbedFailure(logger: Logger, event: TierFailureEvent): void {
  const { error } = event;
  const where = event.tier === undefined ? '' : ` on tier ${event.tier}`;
  logSafely(
    logger,
    error.code === CIRCUIT_OPEN ? 'debug' : 'warn',
    {
      operation: event.operation,
      key: event.key,
      tier: event.tier,
      errorType: error.type,
      errorCode: error.code,
    },
    `tier failure absorbed (${event.operation}${where})`,
  );
}

/**
 * Logs (`info`) that a local tier's copies are dropped because
 * invalidations may have been missed: `reason` is `recover` (the tier's
 * circuit closed again) or `reconnect` (the bus reconnected).
 */
export function logLocalDrop(logger: Logger, tiers: readonly string[], reason: string): void {
  const why =
    reason === 'recover' ? 'its circuit closed again' : 'the invalidation bus reconnected';
  logSafely(
    logger,
    'info',
    { tiers, reason },
    `dropping local copies in ${tiers.join(', ')}: ${why} (invalidations may have been missed)`,
  );
}
