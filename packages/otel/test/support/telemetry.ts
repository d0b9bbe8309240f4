import type { Attributes } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  type CachestackInstrumentation,
  type CachestackInstrumentationOptions,
  instrumentCachestack,
} from '../../src/index.js';

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

  /** Instruments cachestack into this SDK (its tracer and meter providers), with `options` on top. */
  instrument(options: CachestackInstrumentationOptions = {}): CachestackInstrumentation {
    return instrumentCachestack({
      tracerProvider: this.tracerProvider,
      meterProvider: this.meterProvider,
      ...options,
    });
  }

  /** Shuts both providers down (exporting what is pending). */
  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }
}

/** The SDK and the instrumentation of the test running now (see {@link instrumentTests}). */
export interface InstrumentedTests {
  readonly telemetry: Telemetry;
  readonly instrumentation: CachestackInstrumentation;
}

/**
 * Registers hooks in the calling file or `describe` block: a fresh
 * {@link Telemetry} instrumented (`options`) before each test (`'each'`) or
 * once before all of them (`'all'`); afterwards the instrumentation is
 * disabled and the SDK shut down. Read both through the returned object,
 * during a test.
 */
export function instrumentTests(
  scope: 'each' | 'all' = 'each',
  options: CachestackInstrumentationOptions = {},
): InstrumentedTests {
  let current: { telemetry: Telemetry; instrumentation: CachestackInstrumentation } | undefined;
  const live = () => {
    if (current === undefined) throw new Error('instrumentTests: read during a test only');
    return current;
  };
  const [before, after] = scope === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(() => {
    const telemetry = new Telemetry();
    current = { telemetry, instrumentation: telemetry.instrument(options) };
  });
  after(async () => {
    const ending = current;
    current = undefined;
    if (ending === undefined) return;
    ending.instrumentation.disable();
    await ending.telemetry.shutdown();
  });
  return {
    get telemetry() {
      return live().telemetry;
    },
    get instrumentation() {
      return live().instrumentation;
    },
  };
}

/**
 * Runs `test` with a fresh {@link Telemetry} instrumented with `options`,
 * then disables the instrumentation and shuts the SDK down (also when `test` fails).
 */
export async function withInstrumentation(
  options: CachestackInstrumentationOptions,
  test: (telemetry: Telemetry) => Promise<void>,
): Promise<void> {
  const telemetry = new Telemetry();
  const instrumentation = telemetry.instrument(options);
  try {
    await test(telemetry);
  } finally {
    instrumentation.disable();
    await telemetry.shutdown();
  }
}
