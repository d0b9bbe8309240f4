import type { BaseBackend, HealthStatus } from './backend.js';
import { raceWithTimeout } from './operation-timeouts.js';

/** The verdict of a {@link HealthSummary}. */
export type HealthSummaryStatus = 'ok' | 'degraded' | 'down';

/** One tier of a tiered backend, in a {@link HealthSummary}. */
export interface TierHealthSummary {
  /** The tier's name (`L1`, `L2`, … unless named). */
  readonly name: string;
  /** The tier backend's `backendType`. */
  readonly backendType: string;
  /** `ok` when the tier's own health check passed, else `down`. */
  readonly status: 'ok' | 'down';
  /** The tier's circuit breaker state (`closed`, `open`, `half-open`), when reported. */
  readonly circuit?: string;
  /** How long the tier's probe took, in ms. */
  readonly latencyMs: number;
}

/**
 * A JSON-ready health report for a `/healthz` route. It carries states and
 * timings only: never error messages, hosts or credentials.
 */
export interface HealthSummary {
  /**
   * `ok`: healthy. `degraded`: still serving, but some tier is down or its
   * circuit is not closed (a tiered backend whose L1, or any tier, answers).
   * `down`: nothing answers (or the check did not finish in time).
   */
  readonly status: HealthSummaryStatus;
  /** The HTTP status to answer with: 200 for `ok` and `degraded`, 503 for `down`. */
  readonly httpStatus: 200 | 503;
  /** The backend's `backendType`. */
  readonly backendType: string;
  /** How long the health check took, in ms. */
  readonly latencyMs: number;
  /** Per tier, L1 first, for a tiered backend. */
  readonly tiers?: readonly TierHealthSummary[];
}

/** Options of {@link healthSummary}. */
export interface HealthSummaryOptions {
  /**
   * Longest wait for `healthCheck()`, in ms; past it the summary is `down`.
   * @default 5000
   */
  readonly timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 5000;

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

function finiteOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** The tiers of a tiered report (`details.tiers`), or `undefined` when it has none. */
function tiersOf(status: HealthStatus): TierHealthSummary[] | undefined {
  const entries = asRecord(status.details)?.tiers;
  if (!Array.isArray(entries)) return undefined;
  const tiers: TierHealthSummary[] = [];
  entries.forEach((entry, index) => {
    const record = asRecord(entry) ?? {};
    const tier: {
      -readonly [K in keyof TierHealthSummary]: TierHealthSummary[K];
    } = {
      name: typeof record.name === 'string' ? record.name : `L${index + 1}`,
      backendType: typeof record.backendType === 'string' ? record.backendType : 'unknown',
      status: record.healthy === true ? 'ok' : 'down',
      latencyMs: finiteOr(record.latencyMs, 0),
    };
    if (typeof record.circuit === 'string') tier.circuit = record.circuit;
    tiers.push(tier);
  });
  return tiers;
}

function verdict(
  status: HealthStatus,
  tiers: TierHealthSummary[] | undefined,
): HealthSummaryStatus {
  if (tiers === undefined || tiers.length === 0) return status.healthy === true ? 'ok' : 'down';
  const answering = tiers.filter((tier) => tier.status === 'ok');
  if (answering.length === 0) return 'down';
  const allClosed = tiers.every((tier) => tier.circuit === undefined || tier.circuit === 'closed');
  return status.healthy === true && answering.length === tiers.length && allClosed
    ? 'ok'
    : 'degraded';
}

/**
 * Runs `backend.healthCheck()` (any backend: only `backendType` and
 * `healthCheck` are used) and turns it into a {@link HealthSummary}
 * for a `/healthz` route:
 *
 * ```ts
 * app.get('/healthz', async (_req, res) => {
 *   const summary = await healthSummary(cache);
 *   res.status(summary.httpStatus).json(summary);
 * });
 * ```
 *
 * For a tiered backend (a report with `details.tiers`), the summary is
 * `degraded` while any tier answers and another is down (or its circuit is
 * open), `down` when no tier answers. Never rejects for the backend's
 * sake: a check that rejects, returns garbage or takes longer than
 * `timeoutMs` is `down`.
 * @throws TypeError (a rejection) when `options.timeoutMs` is not a finite number > 0.
 */
export async function healthSummary(
  backend: Pick<BaseBackend, 'backendType' | 'healthCheck'>,
  options: HealthSummaryOptions = {},
): Promise<HealthSummary> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(
      `healthSummary: option "timeoutMs" must be a finite number of ms > 0, got ${String(timeoutMs)}`,
    );
  }
  const started = performance.now();
  let backendType = 'unknown';
  try {
    if (typeof backend?.backendType === 'string') backendType = backend.backendType;
    const status = await raceWithTimeout(
      Promise.resolve().then(() => backend.healthCheck()),
      timeoutMs,
      'healthCheck',
    );
    const tiers = tiersOf(status);
    const result = verdict(status, tiers);
    const summary: HealthSummary = {
      status: result,
      httpStatus: result === 'down' ? 503 : 200,
      backendType: typeof status.backendType === 'string' ? status.backendType : backendType,
      latencyMs: finiteOr(status.latencyMs, performance.now() - started),
      ...(tiers === undefined ? {} : { tiers }),
    };
    return summary;
  } catch {
    return {
      status: 'down',
      httpStatus: 503,
      backendType,
      latencyMs: performance.now() - started,
    };
  }
}
