import type { Attributes } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A reader that collects on demand (cumulative). */
class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One data point, flattened: counters and gauges give `value`, histograms `count` and `sum`. */
export interface Point {
  name: string;
  unit: string;
  attributes: Attributes;
  value?: number;
  count?: number;
  sum?: number;
  buckets?: { boundaries: number[]; counts: number[] };
}

/** The real OpenTelemetry SDK with in-memory export: spans as they end, metrics on collect. */
export class Telemetry {
  readonly spanExporter = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spanExporter)],
  });
  readonly #reader = new CollectingReader();
  readonly meterProvider = new MeterProvider({ readers: [this.#reader] });

  /** Finished spans, in the order they ended. */
  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  /** Every data point of every metric now. */
  async points(): Promise<Point[]> {
    const { resourceMetrics, errors } = await this.#reader.collect();
    if (errors.length > 0) throw errors[0];
    const points: Point[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const { name, unit } = metric.descriptor;
        for (const point of metric.dataPoints) {
          if (metric.dataPointType === DataPointType.HISTOGRAM) {
            const value = point.value as {
              count: number;
              sum?: number;
              buckets: { boundaries: number[]; counts: number[] };
            };
            points.push({
              name,
              unit,
              attributes: point.attributes,
              count: value.count,
              sum: value.sum,
              buckets: value.buckets,
            });
          } else {
            points.push({ name, unit, attributes: point.attributes, value: point.value as number });
          }
        }
      }
    }
    return points;
  }

  /** The sum of `name`'s values (or histogram counts) over points whose attributes include `match`. */
  async total(name: string, match: Attributes = {}): Promise<number> {
    let total = 0;
    for (const point of await this.points()) {
      if (point.name !== name) continue;
      if (!Object.entries(match).every(([key, value]) => point.attributes[key] === value)) continue;
      total += point.value ?? point.count ?? 0;
    }
    return total;
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }
}
