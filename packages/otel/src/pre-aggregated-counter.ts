import type { Attributes, Meter, MetricOptions, ObservableResult } from '@opentelemetry/api';

/**
 * Most attribute sets one counter keeps; later sets are summed into one
 * series marked `otel.metric.overflow: true`. Half the OpenTelemetry SDK's
 * default cardinality limit (2000), so that the SDK never has to fold our
 * series itself (it keeps the last observed value of what it folds, and
 * counts would be lost).
 */
export const MAX_SERIES = 1000;

const OVERFLOW_KEY = '\u0000overflow';
const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

interface Series {
  readonly attributes: Attributes;
  value: number;
}

/**
 * A monotonic counter summed in-process per attribute set and reported
 * through an `ObservableCounter` at collection. Adding is a `Map` lookup by
 * a key the caller builds cheaply; the SDK's synchronous `add` hashes the
 * attributes on every call, which costs more than the cache operation being
 * counted.
 */
export class PreAggregatedCounter {
  readonly #series = new Map<string, Series>();
  readonly #observe = (result: ObservableResult): void => {
    for (const series of this.#series.values()) result.observe(series.value, series.attributes);
  };

  constructor(meter: Meter, name: string, options: MetricOptions) {
    meter.createObservableCounter(name, options).addCallback(this.#observe);
  }

  /**
   * Adds `value` to the series `key` names; `attributes` builds its
   * attributes the first time the key is seen.
   */
  add(key: string, value: number, attributes: () => Attributes): void {
    let series = this.#series.get(key);
    if (series === undefined) {
      if (this.#series.size >= MAX_SERIES) {
        series = this.#series.get(OVERFLOW_KEY);
        if (series === undefined) {
          series = { attributes: OVERFLOW_ATTRIBUTES, value: 0 };
          this.#series.set(OVERFLOW_KEY, series);
        }
      } else {
        series = { attributes: attributes(), value: 0 };
        this.#series.set(key, series);
      }
    }
    series.value += value;
  }
}
