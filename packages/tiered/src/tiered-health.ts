import type { HealthStatus } from '@cachestack/core';
import type { CircuitState } from './circuit-breaker.js';
import type { Tier } from './tier.js';

/** One tier's entry in `details.tiers` of the tiered health report. */
export interface TierHealth {
  /** The tier's name (`L1`, `L2`, … unless named). */
  name: string;
  /** The tier backend's `backendType`. */
  backendType: string;
  /** The tier's own `healthCheck` verdict. */
  healthy: boolean;
  /** The tier's circuit breaker state. */
  circuit: CircuitState;
  /** How long the tier's probe took, in ms. */
  latencyMs: number;
  /** Why the tier is unhealthy, when it is. */
  error?: string;
}

async function probeTier(tier: Tier): Promise<TierHealth> {
  const started = performance.now();
  let status: HealthStatus | undefined;
  let failure: string | undefined;
  try {
    status = await tier.backend.healthCheck();
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  const entry: TierHealth = {
    name: tier.name,
    backendType: tier.backend.backendType,
    healthy: status?.healthy === true,
    circuit: tier.breaker.state,
    latencyMs: status?.latencyMs ?? performance.now() - started,
  };
  const error = failure ?? status?.error ?? (entry.healthy ? undefined : 'unhealthy');
  if (error !== undefined) entry.error = error;
  return entry;
}

/**
 * Probes every tier in parallel. Healthy only when every tier is healthy;
 * `details.degraded` is true when some tier is unhealthy or its circuit is
 * not closed. Never throws.
 */
export async function aggregateHealth(
  tiers: readonly Tier[],
  extra: Record<string, unknown>,
): Promise<HealthStatus> {
  const started = performance.now();
  const entries = await Promise.all(tiers.map(probeTier));
  const down = entries.filter((entry) => !entry.healthy);
  const degraded = down.length > 0 || entries.some((entry) => entry.circuit !== 'closed');
  const status: HealthStatus = {
    healthy: down.length === 0,
    latencyMs: performance.now() - started,
    backendType: 'tiered',
    details: { tiers: entries, degraded, ...extra },
  };
  if (down.length > 0) {
    status.error = down.map((entry) => `tier ${entry.name} is down: ${entry.error}`).join('; ');
  }
  return status;
}

/** The health report of a closed tiered backend (defined, never throws). */
export function closedHealth(): HealthStatus {
  return {
    healthy: false,
    latencyMs: 0,
    backendType: 'tiered',
    details: { closed: true },
    error: 'the tiered backend is closed',
  };
}
