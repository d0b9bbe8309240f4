import { assertKnownOptions, type Logger, resolveLogger } from '@cachestack/core';
import {
  type Meter,
  type MeterProvider,
  metrics,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';

/** The instrumentation scope name of the tracer and the meter. */
export const INSTRUMENTATION_NAME = '@cachestack/otel';

/** Options of {@link instrumentCachestack}. */
export interface CachestackInstrumentationOptions {
  /**
   * Where spans go.
   * @default the global tracer provider (`trace.getTracerProvider()`), as set by the OpenTelemetry SDK
   */
  tracerProvider?: TracerProvider | undefined;
  /**
   * Where metrics go.
   * @default the global meter provider (`metrics.getMeterProvider()`)
   */
  meterProvider?: MeterProvider | undefined;
  /**
   * Put each operation's key on its span (`cachestack.key`), and a failure's
   * message and stack (which name the key) on the span as an exception.
   * Keys can be personal data (`user:ada@example.com`), so it is off unless
   * you opt in. Keys never go on metrics (unbounded cardinality).
   * @default false
   */
  recordKeys?: boolean | undefined;
  /**
   * Record spans. Turn off to keep only metrics (the cheaper choice for hot
   * caches: a span per `get` is a lot of spans).
   * @default true
   */
  spans?: boolean | undefined;
  /**
   * Record metrics.
   * @default true
   */
  metrics?: boolean | undefined;
  /**
   * Where the instrumentation reports its own trouble (pino-compatible):
   * `warn` when recording an event failed (the event is dropped, the cache
   * operation is never affected), `debug` when spans cannot follow the
   * OpenTelemetry context because its context manager is not the Node one.
   * @default silent
   */
  logger?: Logger | undefined;
}

/** Every option name {@link instrumentCachestack} accepts. */
const KNOWN_OPTIONS = [
  'tracerProvider',
  'meterProvider',
  'recordKeys',
  'spans',
  'metrics',
  'logger',
] as const satisfies readonly (keyof CachestackInstrumentationOptions)[];

/** {@link CachestackInstrumentationOptions} after validation. */
export interface ResolvedInstrumentationOptions {
  /** The tracer, or `undefined` when spans are off. */
  tracer: Tracer | undefined;
  /** The meter, or `undefined` when metrics are off. */
  meter: Meter | undefined;
  recordKeys: boolean;
  logger: Logger;
}

function booleanOption(
  options: CachestackInstrumentationOptions,
  name: keyof CachestackInstrumentationOptions,
  fallback: boolean,
): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`instrumentCachestack: ${name} must be a boolean, got ${typeof value}`);
  }
  return value;
}

function providerOption<T>(
  value: unknown,
  name: 'tracerProvider' | 'meterProvider',
  method: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as Record<string, unknown>)[method] !== 'function'
  ) {
    throw new TypeError(
      `instrumentCachestack: ${name} must be an OpenTelemetry ${name === 'tracerProvider' ? 'TracerProvider' : 'MeterProvider'} (with ${method}())`,
    );
  }
  return value as T;
}

/**
 * Checks {@link CachestackInstrumentationOptions} and resolves the tracer and
 * the meter (from the given providers or the global ones).
 * @throws TypeError naming an unknown or malformed option.
 */
export function resolveInstrumentationOptions(options: unknown): ResolvedInstrumentationOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('instrumentCachestack: options must be an object');
  }
  assertKnownOptions(options, KNOWN_OPTIONS, 'instrumentCachestack');
  const given = options as CachestackInstrumentationOptions;
  const tracerProvider = providerOption<TracerProvider>(
    given.tracerProvider,
    'tracerProvider',
    'getTracer',
  );
  const meterProvider = providerOption<MeterProvider>(
    given.meterProvider,
    'meterProvider',
    'getMeter',
  );
  const recordKeys = booleanOption(given, 'recordKeys', false);
  const spans = booleanOption(given, 'spans', true);
  const withMetrics = booleanOption(given, 'metrics', true);
  const logger = resolveLogger(given.logger, 'logger');
  return {
    tracer: spans
      ? (tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME)
      : undefined,
    meter: withMetrics
      ? (meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME)
      : undefined,
    recordKeys,
    logger,
  };
}
