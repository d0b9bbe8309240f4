// The instrumentation over core's own publishers (OperationTracer,
// publishBreakerState, publishInvalidation), driven by a script: exact
// spans and metric points for each step. No OpenTelemetry context manager
// is registered in this file, so nesting goes through the package's own store.
import { tracingChannel } from 'node:diagnostics_channel';
import {
  BackendError,
  BackendErrorType,
  OperationTracer,
  publishBreakerState,
  publishInvalidation,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import { memoryLogger } from '@cachestack/test-support';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { instrumentCachestack, METRIC_NAMES } from '../src/index.js';
import { instrumentTests, Telemetry, withInstrumentation } from './support/telemetry.js';

const VALUE_MARKER = 'secret-value-bytes-7f3a';
const value = new TextEncoder().encode(VALUE_MARKER);
const immediate = () => new Promise((resolve) => setImmediate(resolve));

describe('instrumentCachestack over core publishers', () => {
  const otel = instrumentTests();

  it('records one span and the right counters per operation of a scripted sequence', async () => {
    const memory = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'memory', 'users');
    expect(memory.active).toBe(true);
    const store = new Map<string, Uint8Array>([['a', value]]);
    const get = (key: string) => memory.trace('get', key, undefined, async () => store.get(key));

    expect(await get('a')).toBe(value);
    expect(await get('b')).toBeUndefined();
    await memory.trace('set', 'c', undefined, async () => {
      store.set('c', value);
    });
    const many = await memory.trace('getMany', undefined, 3, async () =>
      ['a', 'b', 'c'].map((key) => store.get(key)),
    );
    expect(many.filter(Boolean)).toHaveLength(2);
    const failure = new BackendError({
      type: BackendErrorType.TRANSIENT,
      code: 'CONNECTION_LOST',
      message: 'store unreachable',
      operation: 'get',
      key: 'user:ada@example.com',
    });
    await expect(
      memory.trace('get', 'user:ada@example.com', undefined, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);

    const spans = otel.telemetry.spans();
    expect(spans.map((span) => span.name)).toEqual([
      'cachestack.backend get',
      'cachestack.backend get',
      'cachestack.backend set',
      'cachestack.backend getMany',
      'cachestack.backend get',
    ]);
    expect(spans.map((span) => span.attributes['cachestack.outcome'])).toEqual([
      'hit',
      'miss',
      'ok',
      'partial',
      'error',
    ]);
    expect(spans[0]?.attributes).toEqual({
      'cachestack.layer': 'backend',
      'cachestack.backend.type': 'memory',
      'cachestack.namespace': 'users',
      'cachestack.operation': 'get',
      'cachestack.outcome': 'hit',
    });
    expect(spans[3]?.attributes).toMatchObject({ 'cachestack.key_count': 3, 'cachestack.hits': 2 });
    const failed = spans[4];
    expect(failed?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'TRANSIENT CONNECTION_LOST',
    });
    expect(failed?.attributes).toMatchObject({
      'cachestack.error.type': 'TRANSIENT',
      'cachestack.error.code': 'CONNECTION_LOST',
    });
    expect(failed?.events).toEqual([]); // no exception event: its message names the key
    for (const span of spans) expect(span.status.code).toBe(span === failed ? 2 : 0);

    expect(await otel.telemetry.total(METRIC_NAMES.lookups, { 'cachestack.result': 'hit' })).toBe(
      3,
    );
    expect(await otel.telemetry.total(METRIC_NAMES.lookups, { 'cachestack.result': 'miss' })).toBe(
      2,
    );
    expect(await otel.telemetry.total(METRIC_NAMES.lookups)).toBe(5);
    expect(
      await otel.telemetry.total(METRIC_NAMES.errors, {
        'cachestack.error.type': 'TRANSIENT',
        'cachestack.error.code': 'CONNECTION_LOST',
        'cachestack.operation': 'get',
      }),
    ).toBe(1);
    expect(await otel.telemetry.total(METRIC_NAMES.operationDuration)).toBe(5);
    expect(
      await otel.telemetry.total(METRIC_NAMES.operationDuration, { 'cachestack.outcome': 'ok' }),
    ).toBe(1);
    const duration = (await otel.telemetry.points()).find(
      (point) => point.name === METRIC_NAMES.operationDuration,
    );
    expect(duration?.unit).toBe('s');
    expect(duration?.buckets?.boundaries[0]).toBe(0.00005);

    // Neither the value nor (with recordKeys off) any key is in anything exported.
    const exported = JSON.stringify([
      spans.map((span) => [span.name, span.attributes, span.status, span.events]),
      await otel.telemetry.points(),
    ]);
    expect(exported).not.toContain(VALUE_MARKER);
    expect(exported).not.toContain('ada@example.com');
    expect(exported).not.toContain('"a"');
  });

  it('ends the span of an operation that throws synchronously', async () => {
    const file = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'file');
    expect(() =>
      file.trace('set', 'k', undefined, () => {
        throw new TypeError('bad call');
      }),
    ).toThrow('bad call');
    const [span] = otel.telemetry.spans();
    expect(span?.name).toBe('cachestack.backend set');
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TypeError' });
    expect(span?.attributes).not.toHaveProperty('cachestack.namespace');
    expect(
      await otel.telemetry.total(METRIC_NAMES.errors, { 'cachestack.error.type': 'TypeError' }),
    ).toBe(1);
  });

  it('nests the backend spans of a tiered call under the tiered span, and the tiered under the facade', async () => {
    const facade = new OperationTracer(TRACING_CHANNEL_NAMES.cache, 'cache', 'app');
    const tiered = new OperationTracer(TRACING_CHANNEL_NAMES.tiered, 'tiered');
    const l1 = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'memory');
    const l2 = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'redis');
    await facade.trace('getOrSet', 'k', undefined, async () => {
      const context = tiered.context('get', 'k');
      await tiered.traceContext(context, async () => {
        await l1.trace('get', 'k', undefined, async () => undefined);
        await immediate(); // across an async hop
        const found = await l2.trace('getWithTtl', 'k', undefined, async () => value);
        context.tier = 'L2';
        return found;
      });
    });
    const spans = otel.telemetry.spans();
    const byName = new Map(spans.map((span) => [span.name, span]));
    const root = byName.get('cachestack.cache getOrSet');
    const middle = byName.get('cachestack.tiered get');
    expect(root?.parentSpanContext).toBeUndefined();
    expect(middle?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(middle?.attributes['cachestack.tier']).toBe('L2');
    for (const name of ['cachestack.backend get', 'cachestack.backend getWithTtl']) {
      expect(byName.get(name)?.parentSpanContext?.spanId).toBe(middle?.spanContext().spanId);
    }
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    expect(
      await otel.telemetry.total(METRIC_NAMES.lookups, {
        'cachestack.layer': 'tiered',
        'cachestack.tier': 'L2',
        'cachestack.result': 'hit',
      }),
    ).toBe(1);
    expect(
      await otel.telemetry.total(METRIC_NAMES.lookups, {
        'cachestack.layer': 'backend',
        'cachestack.backend.type': 'memory',
        'cachestack.result': 'miss',
      }),
    ).toBe(1);
  });

  it('counts breaker transitions and reports each breaker state as a gauge', async () => {
    publishBreakerState({ name: 'L2', from: 'closed', to: 'open', reason: '5 failures' });
    publishBreakerState({ name: 'L2', from: 'open', to: 'half-open' });
    publishBreakerState({ name: 'L3', from: 'closed', to: 'open' });
    publishBreakerState({ name: 'L2', from: 'half-open', to: 'closed' });
    expect(await otel.telemetry.total(METRIC_NAMES.breakerTransitions)).toBe(4);
    expect(
      await otel.telemetry.total(METRIC_NAMES.breakerTransitions, {
        'cachestack.breaker.name': 'L2',
        'cachestack.breaker.to': 'open',
      }),
    ).toBe(1);
    expect(
      await otel.telemetry.total(METRIC_NAMES.breakerState, { 'cachestack.breaker.name': 'L2' }),
    ).toBe(0);
    expect(
      await otel.telemetry.total(METRIC_NAMES.breakerState, { 'cachestack.breaker.name': 'L3' }),
    ).toBe(2);
  });

  it('counts invalidation messages by kind and records the lag in seconds', async () => {
    publishInvalidation({
      source: 'redis-bus',
      namespace: 'app',
      kind: 'received',
      keyCount: 1,
      lagMs: 4,
    });
    publishInvalidation({
      source: 'redis-bus',
      namespace: 'app',
      kind: 'received',
      keyCount: 2,
      lagMs: 6,
    });
    publishInvalidation({ source: 'redis-bus', namespace: 'app', kind: 'published', keyCount: 1 });
    publishInvalidation({
      source: 'redis-bus',
      namespace: 'app',
      kind: 'flush',
      reason: 'reconnect',
    });
    expect(await otel.telemetry.total(METRIC_NAMES.invalidationMessages)).toBe(4);
    expect(
      await otel.telemetry.total(METRIC_NAMES.invalidationMessages, {
        'cachestack.invalidation.kind': 'received',
        'cachestack.namespace': 'app',
      }),
    ).toBe(2);
    const lag = (await otel.telemetry.points()).find(
      (point) => point.name === METRIC_NAMES.invalidationLag,
    );
    expect(lag?.unit).toBe('s');
    expect(lag?.count).toBe(2);
    expect(lag?.sum).toBeCloseTo(0.01, 9);
  });

  it('never throws into the publisher, whatever is published', async () => {
    expect(() =>
      publishBreakerState({ name: 'x', from: 'closed', to: 'melted' as 'open' }),
    ).not.toThrow();
    const raw = tracingChannel(TRACING_CHANNEL_NAMES.backend);
    expect(() => raw.start.runStores({ nonsense: true } as never, () => 1)).not.toThrow();
    expect(() => raw.asyncEnd.publish(null)).not.toThrow();
    // A context whose fields throw when read: every handler is guarded.
    const hostile = {
      operation: 'get',
      backendType: 'memory',
      outcome: 'error',
      get namespace(): string {
        throw new Error('boom');
      },
    };
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      expect(() => raw.start.runStores(hostile as never, () => 1)).not.toThrow();
      expect(() => raw.end.publish(hostile)).not.toThrow();
      expect(() => raw.asyncEnd.publish(hostile)).not.toThrow();
      await immediate();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('keeps at most 1000 series per counter and sums the rest into one overflow series', async () => {
    for (let index = 0; index < 1003; index++) {
      const tracer = new OperationTracer(
        TRACING_CHANNEL_NAMES.backend,
        'memory',
        `tenant-${index}`,
      );
      await tracer.trace('get', 'k', undefined, async () => value);
    }
    const lookups = (await otel.telemetry.points()).filter(
      (point) => point.name === METRIC_NAMES.lookups,
    );
    expect(lookups).toHaveLength(1001);
    expect(lookups.reduce((total, point) => total + (point.value ?? 0), 0)).toBe(1003);
    expect(lookups.filter((point) => point.attributes['otel.metric.overflow'] === true)).toEqual([
      expect.objectContaining({ value: 3 }),
    ]);
  });

  it('disable() unsubscribes everything: no subscribers left, nothing recorded after', async () => {
    otel.instrumentation.disable();
    otel.instrumentation.disable(); // idempotent
    expect(otel.instrumentation.enabled).toBe(false);
    for (const name of Object.values(TRACING_CHANNEL_NAMES)) {
      expect(tracingChannel(name).hasSubscribers).toBe(false);
    }
    const memory = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'memory');
    expect(memory.active).toBe(false);
    publishBreakerState({ name: 'L2', from: 'closed', to: 'open' });
    expect(otel.telemetry.spans()).toEqual([]);
    expect(await otel.telemetry.points()).toEqual([]);
  });
});

describe('instrumentCachestack options', () => {
  it('puts keys (and the failure as an exception) on spans only with recordKeys: true', async () => {
    await withInstrumentation({ recordKeys: true }, async (telemetry) => {
      const redis = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'redis');
      await redis.trace('get', 'user:42', undefined, async () => undefined);
      const failure = new BackendError({ type: 'TIMEOUT', code: 'TIMEOUT', message: 'too slow' });
      await expect(
        redis.trace('set', 'user:43', undefined, () => Promise.reject(failure)),
      ).rejects.toBe(failure);
      const [hit, failed] = telemetry.spans();
      expect(hit?.attributes['cachestack.key']).toBe('user:42');
      expect(failed?.attributes['cachestack.key']).toBe('user:43');
      expect(failed?.status.message).toBe(failure.message);
      expect(failed?.events.map((event) => event.name)).toEqual(['exception']);
      const points = JSON.stringify(await telemetry.points());
      expect(points).not.toContain('user:4'); // never on metrics
    });
  });

  it('records only metrics with spans: false, only spans with metrics: false', async () => {
    const telemetry = new Telemetry();
    const onlyMetrics = telemetry.instrument({ spans: false });
    const tracer = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'memory');
    await tracer.trace('get', 'k', undefined, async () => value);
    onlyMetrics.disable();
    expect(telemetry.spans()).toHaveLength(0);
    expect(await telemetry.total(METRIC_NAMES.lookups)).toBe(1);
    const onlySpans = telemetry.instrument({ metrics: false });
    await tracer.trace('get', 'k', undefined, async () => value);
    onlySpans.disable();
    expect(telemetry.spans()).toHaveLength(1);
    expect(await telemetry.total(METRIC_NAMES.lookups)).toBe(1);
    await telemetry.shutdown();
  });

  it('logs what it could not record to the logger option, and the operation still succeeds', async () => {
    const logger = memoryLogger();
    const logged = logger.lines;
    await withInstrumentation({ logger }, async () => {
      // No context manager here: spans nest only among themselves, said at debug.
      expect(logged).toEqual([
        { level: 'debug', fields: {}, message: expect.stringContaining('context manager') },
      ]);
      const raw = tracingChannel(TRACING_CHANNEL_NAMES.backend);
      const hostile = {
        operation: 'get',
        backendType: 'memory',
        get namespace(): string {
          throw new RangeError('boom');
        },
      };
      expect(raw.start.runStores(hostile as never, () => 'ran')).toBe('ran');
      raw.asyncEnd.publish(hostile);
      const dropped = {
        level: 'warn',
        fields: { channel: 'cachestack:backend', error: 'RangeError: boom' },
        message: 'cachestack otel: recording an event failed; it was dropped',
      };
      expect(logged.slice(1)).toEqual([dropped, dropped]);
    });
  });

  it('rejects unknown and malformed options with a TypeError naming them', () => {
    expect(() => instrumentCachestack({ logger: console.log } as never)).toThrow(
      new TypeError(
        'logger must be a logger with debug/info/warn/error(fields, message) methods (pino-compatible)',
      ),
    );
    expect(() => instrumentCachestack({ recordKey: true } as never)).toThrow(
      'instrumentCachestack: unknown option "recordKey" (did you mean "recordKeys"?)',
    );
    expect(() => instrumentCachestack({ recordKeys: 'yes' } as never)).toThrow(
      new TypeError('instrumentCachestack: recordKeys must be a boolean, got string'),
    );
    expect(() => instrumentCachestack({ tracerProvider: {} } as never)).toThrow(
      'instrumentCachestack: tracerProvider must be an OpenTelemetry TracerProvider (with getTracer())',
    );
    expect(() => instrumentCachestack({ meterProvider: 1 } as never)).toThrow(TypeError);
    expect(() => instrumentCachestack(null as never)).toThrow(TypeError);
    for (const name of Object.values(TRACING_CHANNEL_NAMES)) {
      expect(tracingChannel(name).hasSubscribers).toBe(false); // nothing half-subscribed
    }
  });
});
