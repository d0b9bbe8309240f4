import {
  channel as diagnosticsChannel,
  type TracingChannel,
  type TracingChannelSubscribers,
  tracingChannel,
} from 'node:diagnostics_channel';
import {
  type BreakerStateEvent,
  EVENT_CHANNEL_NAMES,
  type InvalidationEvent,
  type Logger,
  logSafely,
  type OperationTraceContext,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import { layerOf } from './attributes.js';
import { BREAKER_STATE_VALUES, EventMetrics } from './event-metrics.js';
import {
  type CachestackInstrumentationOptions,
  resolveInstrumentationOptions,
} from './instrumentation-options.js';
import { OperationMetrics } from './operation-metrics.js';
import { OperationSpans } from './operation-spans.js';

/** What {@link instrumentCachestack} returns. */
export interface CachestackInstrumentation {
  /** True until {@link CachestackInstrumentation.disable} is called. */
  readonly enabled: boolean;
  /**
   * Unsubscribes from every channel and unbinds the context store, so
   * cachestack goes back to its no-subscriber fast path. Spans of
   * operations still running are not ended. Idempotent.
   */
  disable(): void;
}

/**
 * `handler`, made unable to throw: a throwing `diagnostics_channel`
 * subscriber would surface as an uncaught exception and crash the process,
 * and telemetry must never do that. What it throws is logged and dropped.
 */
function guard(logger: Logger, channel: string) {
  return <A extends unknown[]>(handler: (...args: A) => void): ((...args: A) => void) =>
    (...args) => {
      try {
        handler(...args);
      } catch (error) {
        logSafely(
          logger,
          'warn',
          {
            channel,
            error: error instanceof Error ? `${error.name}: ${error.message}` : typeof error,
          },
          'cachestack otel: recording an event failed; it was dropped',
        );
      }
    };
}

/** True for an object shaped like an {@link OperationTraceContext}. */
function isTraceContext(message: unknown): message is OperationTraceContext {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as OperationTraceContext).operation === 'string' &&
    typeof (message as OperationTraceContext).backendType === 'string'
  );
}

function isBreakerEvent(message: unknown): message is BreakerStateEvent {
  const event = message as BreakerStateEvent | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.name === 'string' &&
    typeof event.from === 'string' &&
    Object.hasOwn(BREAKER_STATE_VALUES, event.to)
  );
}

function isInvalidationEvent(message: unknown): message is InvalidationEvent {
  const event = message as InvalidationEvent | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.source === 'string' &&
    typeof event.kind === 'string'
  );
}

/**
 * Records cachestack's operations as OpenTelemetry spans and metrics, from
 * its `node:diagnostics_channel` channels (`cachestack:backend`,
 * `cachestack:tiered`, `cachestack:cache`, `cachestack:http`,
 * `cachestack:breaker`, `cachestack:invalidation`). Every cachestack
 * instance in the process is covered, whenever it was created; call
 * {@link CachestackInstrumentation.disable} to stop.
 *
 * Register the OpenTelemetry SDK first (or pass `tracerProvider` and
 * `meterProvider`): with the Node context manager in place, an operation's
 * span is the active context while it runs, so nested calls (tiered → its
 * tiers, `getOrSet` → its loader) become its children.
 *
 * @throws TypeError naming an unknown or malformed option.
 */
export function instrumentCachestack(
  options?: CachestackInstrumentationOptions,
): CachestackInstrumentation {
  const { tracer, meter, recordKeys, logger } = resolveInstrumentationOptions(options);
  const spans = tracer === undefined ? undefined : new OperationSpans(tracer, recordKeys);
  if (spans?.ownStore === true) {
    logSafely(
      logger,
      'debug',
      {},
      'cachestack otel: the OpenTelemetry context manager is not the Node AsyncLocalStorage one; cachestack spans nest among themselves, but spans started inside an operation are not their children',
    );
  }
  const operationMetrics = meter === undefined ? undefined : new OperationMetrics(meter);
  const eventMetrics = meter === undefined ? undefined : new EventMetrics(meter);
  const undo: (() => void)[] = [];

  for (const name of Object.values(TRACING_CHANNEL_NAMES)) {
    const layer = layerOf(name);
    const guarded = guard(logger, name);
    const channel = tracingChannel(name) as TracingChannel<unknown, OperationTraceContext>;
    const settled = (context: OperationTraceContext): void => {
      spans?.finish(context);
      operationMetrics?.record(layer, context);
    };
    // Node subscribes only the handlers given (its typings ask for all five).
    const subscribers = {
      // A synchronous throw publishes `error` then `end`, and no `asyncEnd`.
      end: guarded((context: unknown) => {
        if (isTraceContext(context) && context.outcome === 'error') settled(context);
      }),
      asyncEnd: guarded((context: unknown) => {
        if (isTraceContext(context)) settled(context);
      }),
    } as Partial<
      TracingChannelSubscribers<OperationTraceContext>
    > as TracingChannelSubscribers<OperationTraceContext>;
    channel.subscribe(subscribers);
    undo.push(() => channel.unsubscribe(subscribers));
    if (spans !== undefined) {
      const fallback = spans.store;
      // The transform's result becomes the store's value while the operation runs.
      const transform = (context: OperationTraceContext) => {
        try {
          return isTraceContext(context) ? spans.start(layer, context) : fallback.getStore();
        } catch (error) {
          guarded(() => {
            throw error;
          })();
          return fallback.getStore();
        }
      };
      channel.start.bindStore(spans.store, transform as (context: unknown) => never);
      undo.push(() => channel.start.unbindStore(spans.store));
    }
  }
  if (spans !== undefined) undo.unshift(() => spans.dispose()); // runs last

  if (eventMetrics !== undefined) {
    const breaker = diagnosticsChannel(EVENT_CHANNEL_NAMES.breaker);
    const onBreaker = guard(
      logger,
      EVENT_CHANNEL_NAMES.breaker,
    )((message: unknown) => {
      if (isBreakerEvent(message)) eventMetrics.breaker(message);
    });
    breaker.subscribe(onBreaker);
    const invalidation = diagnosticsChannel(EVENT_CHANNEL_NAMES.invalidation);
    const onInvalidation = guard(
      logger,
      EVENT_CHANNEL_NAMES.invalidation,
    )((message: unknown) => {
      if (isInvalidationEvent(message)) eventMetrics.invalidation(message);
    });
    invalidation.subscribe(onInvalidation);
    undo.push(
      () => breaker.unsubscribe(onBreaker),
      () => invalidation.unsubscribe(onInvalidation),
      () => eventMetrics.dispose(),
    );
  }

  let enabled = true;
  return {
    get enabled() {
      return enabled;
    },
    disable() {
      if (!enabled) return;
      enabled = false;
      for (const step of undo.reverse()) step();
    },
  };
}
