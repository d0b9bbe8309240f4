import type { BreakerStateEvent, InvalidationEvent } from '@cachestack/core';
import type {
  Counter,
  Histogram,
  Meter,
  ObservableGauge,
  ObservableResult,
} from '@opentelemetry/api';
import { ATTRIBUTE_NAMES } from './attributes.js';
import { METRIC_NAMES } from './operation-metrics.js';

/** The value {@link METRIC_NAMES.breakerState} reports for each state. */
export const BREAKER_STATE_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Invalidation lag buckets, seconds: 1 ms to 10 s. */
const LAG_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Records `cachestack:breaker` and `cachestack:invalidation` events as metrics. */
export class EventMetrics {
  readonly #transitions: Counter;
  readonly #state: ObservableGauge;
  readonly #messages: Counter;
  readonly #lag: Histogram;
  /** The last state seen per breaker name. */
  readonly #breakers = new Map<string, BreakerStateEvent['to']>();
  readonly #observe = (result: ObservableResult): void => {
    for (const [name, state] of this.#breakers) {
      result.observe(BREAKER_STATE_VALUES[state], { [ATTRIBUTE_NAMES.breakerName]: name });
    }
  };

  constructor(meter: Meter) {
    this.#transitions = meter.createCounter(METRIC_NAMES.breakerTransitions, {
      unit: '{transition}',
      description: 'Circuit breaker state changes.',
    });
    this.#state = meter.createObservableGauge(METRIC_NAMES.breakerState, {
      unit: '1',
      description: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
    });
    this.#state.addCallback(this.#observe);
    this.#messages = meter.createCounter(METRIC_NAMES.invalidationMessages, {
      unit: '{message}',
      description: 'Invalidation messages received, published, and local flushes.',
    });
    this.#lag = meter.createHistogram(METRIC_NAMES.invalidationLag, {
      unit: 's',
      description: 'Time from an invalidation being published to it being received.',
      advice: { explicitBucketBoundaries: LAG_BUCKETS_SECONDS },
    });
  }

  /** Records a breaker state change. */
  breaker(event: BreakerStateEvent): void {
    this.#breakers.set(event.name, event.to);
    this.#transitions.add(1, {
      [ATTRIBUTE_NAMES.breakerName]: event.name,
      [ATTRIBUTE_NAMES.breakerFrom]: event.from,
      [ATTRIBUTE_NAMES.breakerTo]: event.to,
    });
  }

  /** Records an invalidation message (and its lag, when it says). */
  invalidation(event: InvalidationEvent): void {
    const attributes: Record<string, string> = {
      [ATTRIBUTE_NAMES.invalidationSource]: event.source,
      [ATTRIBUTE_NAMES.invalidationKind]: event.kind,
    };
    if (event.namespace !== undefined) attributes[ATTRIBUTE_NAMES.namespace] = event.namespace;
    this.#messages.add(1, attributes);
    if (event.kind === 'received' && typeof event.lagMs === 'number' && event.lagMs >= 0) {
      this.#lag.record(event.lagMs / 1000, attributes);
    }
  }

  /** Stops observing breaker states. */
  dispose(): void {
    this.#state.removeCallback(this.#observe);
    this.#breakers.clear();
  }
}
