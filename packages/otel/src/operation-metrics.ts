import type { OperationTraceContext } from '@cachestack/core';
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import { ATTRIBUTE_NAMES, metricAttributes } from './attributes.js';
import { MAX_SERIES, PreAggregatedCounter } from './pre-aggregated-counter.js';

/**
 * The metric names this package records. Durations are in seconds, as the
 * OpenTelemetry semantic conventions ask (unit `s`). In Prometheus, dots
 * become underscores and counters end in `_total`
 * (`cachestack_lookups_total`).
 */
export const METRIC_NAMES = {
  /** Histogram, seconds: every settled operation, by layer, backend type, namespace, operation, outcome, tier and error. */
  operationDuration: 'cachestack.operation.duration',
  /**
   * Counter: reads by result (`hit`, `miss`, or a layer's own such as
   * `stale`), per layer, backend type, namespace, operation and tier. Batch
   * reads count once per key. The hit ratio of one cache or tier is
   * `hit / all` over its series.
   */
  lookups: 'cachestack.lookups',
  /** Counter: failed operations by error type and code. */
  errors: 'cachestack.errors',
  /** Counter: circuit breaker state changes, by breaker name, from and to. */
  breakerTransitions: 'cachestack.breaker.transitions',
  /** Gauge: each breaker's current state: 0 closed, 1 half-open, 2 open. */
  breakerState: 'cachestack.breaker.state',
  /** Counter: invalidation messages by source, namespace and kind (`received`, `published`, `flush`). */
  invalidationMessages: 'cachestack.invalidation.messages',
  /** Histogram, seconds: from when a sender published an invalidation to when this process received it. */
  invalidationLag: 'cachestack.invalidation.lag',
} as const;

/**
 * Bucket boundaries for cache durations, in seconds: 50 µs (an in-process
 * hit) to 5 s (a timed-out network call). The SDK's defaults start at 5 ms,
 * which would put every memory hit in one bucket.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  5,
];

/** Single-key reads: one lookup each, its result the outcome. */
const SINGLE_READS: ReadonlySet<string> = new Set(['get', 'getWithTtl', 'getOrSet']);
/** Batch reads: one lookup per key (from `hits` and `keyCount`). */
const BATCH_READS: ReadonlySet<string> = new Set(['getMany', 'getManyWithTtl']);
/**
 * Layers where every operation is a lookup (an HTTP request is served from
 * the cache or not), except those the cache stepped aside for (`bypass`:
 * other methods, `no-store`...).
 */
const LOOKUP_LAYERS: ReadonlySet<string> = new Set(['http']);
const NOT_LOOKUPS: ReadonlySet<string> = new Set(['bypass']);

/** The fields that tell one operation series from another, joined (cheap to build, never a key). */
function seriesKey(layer: string, context: OperationTraceContext): string {
  return `${layer}\u0000${context.backendType}\u0000${context.namespace ?? ''}\u0000${context.operation}\u0000${String(context.tier ?? '')}\u0000${String(context.tierBackendType ?? '')}`;
}

/**
 * Records the duration, lookup and error metrics of settled operations.
 * Counts are summed in-process and reported at collection
 * ({@link PreAggregatedCounter}); attribute objects are built once per series.
 * A counter's totals stay reported after `disable()` (a counter that vanished
 * would read as a reset).
 */
export class OperationMetrics {
  readonly #duration: Histogram;
  readonly #lookups: PreAggregatedCounter;
  readonly #errors: PreAggregatedCounter;
  /** Duration attributes by series key, outcome and error. */
  readonly #durationAttributes = new Map<string, Attributes>();

  constructor(meter: Meter) {
    this.#duration = meter.createHistogram(METRIC_NAMES.operationDuration, {
      unit: 's',
      description: 'Duration of cachestack operations.',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    });
    this.#lookups = new PreAggregatedCounter(meter, METRIC_NAMES.lookups, {
      unit: '{lookup}',
      description: 'Cache reads by result (hit, miss, stale...); batch reads count per key.',
    });
    this.#errors = new PreAggregatedCounter(meter, METRIC_NAMES.errors, {
      unit: '{error}',
      description: 'Failed cachestack operations by error type and code.',
    });
  }

  /** Records one settled operation of `layer`. */
  record(layer: string, context: OperationTraceContext): void {
    const key = seriesKey(layer, context);
    const outcome = context.outcome ?? 'ok';
    if (outcome === 'error') {
      const { errorType, errorCode } = context;
      this.#errors.add(`${key}\u0000${errorType}\u0000${errorCode}`, 1, () =>
        withError(metricAttributes(layer, context), context),
      );
    } else if (
      SINGLE_READS.has(context.operation) ||
      (LOOKUP_LAYERS.has(layer) && !NOT_LOOKUPS.has(outcome))
    ) {
      this.#lookups.add(`${key}\u0000${outcome}`, 1, () => ({
        ...metricAttributes(layer, context),
        [ATTRIBUTE_NAMES.result]: outcome,
      }));
    } else if (BATCH_READS.has(context.operation)) {
      this.#recordBatch(key, layer, context);
    }
    if (context.durationMs !== undefined) {
      const durationKey = `${key}\u0000${outcome}\u0000${context.errorType}\u0000${context.errorCode}`;
      let attributes = this.#durationAttributes.get(durationKey);
      if (attributes === undefined) {
        attributes = withError(
          { ...metricAttributes(layer, context), [ATTRIBUTE_NAMES.outcome]: outcome },
          context,
        );
        if (this.#durationAttributes.size < MAX_SERIES) {
          this.#durationAttributes.set(durationKey, attributes);
        }
      }
      this.#duration.record(context.durationMs / 1000, attributes);
    }
  }

  /** One hit per key found and one miss per key not found. */
  #recordBatch(key: string, layer: string, context: OperationTraceContext): void {
    const { hits, keyCount } = context;
    if (typeof hits !== 'number' || typeof keyCount !== 'number') return;
    const attributes = (result: string) => () => ({
      ...metricAttributes(layer, context),
      [ATTRIBUTE_NAMES.result]: result,
    });
    if (hits > 0) this.#lookups.add(`${key}\u0000hit`, hits, attributes('hit'));
    if (keyCount > hits) this.#lookups.add(`${key}\u0000miss`, keyCount - hits, attributes('miss'));
  }
}

/** `attributes` with the context's error type and code, when it has them. */
function withError(attributes: Attributes, context: OperationTraceContext): Attributes {
  if (context.errorType !== undefined) attributes[ATTRIBUTE_NAMES.errorType] = context.errorType;
  if (context.errorCode !== undefined) attributes[ATTRIBUTE_NAMES.errorCode] = context.errorCode;
  return attributes;
}
