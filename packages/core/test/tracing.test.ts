import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  EVENT_CHANNEL_NAMES,
  type OperationTraceContext,
  OperationTracer,
  publishBreakerState,
  publishInvalidation,
  TRACING_CHANNEL_NAMES,
} from '../src/index.js';

type Event = [string, OperationTraceContext];

/** Subscribes to every event of `name`, recording [event, a snapshot of the context]. */
function record(name: string): { events: Event[]; stop: () => void } {
  const events: Event[] = [];
  const handlers = Object.fromEntries(
    ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => [
      event,
      (context: OperationTraceContext) => events.push([event, { ...context }]),
    ]),
  );
  const channel = tracingChannel(name);
  channel.subscribe(handlers as never);
  return { events, stop: () => channel.unsubscribe(handlers as never) };
}

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe('OperationTracer', () => {
  it('is inactive and runs the operation untouched with no subscriber', async () => {
    const tracer = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'memory', 'ns');
    expect(tracer.active).toBe(false);
    const { events, stop } = record(TRACING_CHANNEL_NAMES.backend);
    stop();
    expect(tracer.active).toBe(false);
    expect(events).toEqual([]);
  });

  it('publishes start, end, asyncStart, asyncEnd with outcome and duration, never the value', async () => {
    const tracer = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'memory', 'ns');
    const { events, stop } = record(TRACING_CHANNEL_NAMES.backend);
    stops.push(stop);
    expect(tracer.active).toBe(true);
    const value = new Uint8Array([1, 2, 3]);
    const result = await tracer.trace('get', 'k', undefined, async () => value);
    expect(result).toBe(value);
    expect(events.map(([event]) => event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    const [, last] = events[3] as Event;
    expect(last).toMatchObject({
      backendType: 'memory',
      namespace: 'ns',
      operation: 'get',
      key: 'k',
      outcome: 'hit',
    });
    expect(last.durationMs).toBeGreaterThanOrEqual(0);
    expect(Object.values(last)).not.toContain(value);
    await tracer.trace('get', 'k', undefined, async () => undefined);
    expect((events[7] as Event)[1].outcome).toBe('miss');
  });

  it('counts hits of a batch read and names outcomes of exists/delete/set', async () => {
    const tracer = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'sqlite');
    const { events, stop } = record(TRACING_CHANNEL_NAMES.backend);
    stops.push(stop);
    const ends = () => events.filter(([event]) => event === 'asyncEnd').map(([, c]) => c);
    await tracer.trace('getMany', undefined, 3, async () => [
      new Uint8Array(1),
      undefined,
      new Uint8Array(0),
    ]);
    await tracer.trace('getManyWithTtl', undefined, 2, async () => [undefined, undefined]);
    await tracer.trace('exists', 'a', undefined, async () => true);
    await tracer.trace('delete', 'a', undefined, async () => false);
    await tracer.trace('set', 'a', undefined, async () => undefined);
    expect(ends().map((c) => [c.operation, c.outcome, c.hits, c.keyCount, c.namespace])).toEqual([
      ['getMany', 'partial', 2, 3, undefined],
      ['getManyWithTtl', 'miss', 0, 2, undefined],
      ['exists', 'hit', undefined, undefined, undefined],
      ['delete', 'miss', undefined, undefined, undefined],
      ['set', 'ok', undefined, undefined, undefined],
    ]);
  });

  it('publishes error with the BackendError type and code, and rethrows it', async () => {
    const tracer = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'redis');
    const { events, stop } = record(TRACING_CHANNEL_NAMES.backend);
    stops.push(stop);
    const failure = new BackendError({
      message: 'slow',
      type: BackendErrorType.TIMEOUT,
      code: BackendErrorCode.TIMEOUT,
    });
    await expect(tracer.trace('get', 'k', undefined, () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
    expect(events.map(([event]) => event)).toEqual([
      'start',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ]);
    expect((events[2] as Event)[1]).toMatchObject({
      outcome: 'error',
      errorType: 'TIMEOUT',
      errorCode: 'TIMEOUT',
    });
    expect(() =>
      tracer.trace('set', 'k', undefined, () => {
        throw new TypeError('sync');
      }),
    ).toThrow('sync');
    expect(events.slice(5).map(([event, c]) => [event, c.errorType])).toEqual([
      ['start', undefined],
      ['error', 'TypeError'],
      ['end', 'TypeError'],
    ]);
  });

  it('never puts a non-string key on the context (a call rejected for a bad key is traced too)', () => {
    const tracer = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'memory');
    expect(tracer.context('get', { secret: 1 } as never).key).toBeUndefined();
    expect(tracer.context('get', 'k').key).toBe('k');
  });

  it('keeps an outcome the layer set itself', async () => {
    const tracer = new OperationTracer(TRACING_CHANNEL_NAMES.cache, 'cache');
    const { events, stop } = record(TRACING_CHANNEL_NAMES.cache);
    stops.push(stop);
    const context = tracer.context('getOrSet', 'k');
    await tracer.traceContext(context, async () => {
      context.outcome = 'stale';
      return 1;
    });
    expect((events[3] as Event)[1].outcome).toBe('stale');
  });

  it('runs the operation inside the stores bound to start (an OpenTelemetry-style context)', async () => {
    const store = new AsyncLocalStorage<string>();
    const channel = tracingChannel(TRACING_CHANNEL_NAMES.http);
    channel.start.bindStore(
      store,
      (context) => `span:${(context as OperationTraceContext).operation}`,
    );
    stops.push(() => channel.start.unbindStore(store));
    const tracer = new OperationTracer(TRACING_CHANNEL_NAMES.http, 'http');
    expect(tracer.active).toBe(true);
    const seen = await tracer.trace('GET', '/a', undefined, async () => store.getStore());
    expect(seen).toBe('span:GET');
  });
});

describe('event channels', () => {
  it('publish breaker and invalidation events only to subscribers', () => {
    const seen: unknown[] = [];
    const onMessage = (message: unknown) => seen.push(message);
    publishBreakerState({ name: 'redis', from: 'closed', to: 'open' });
    subscribe(EVENT_CHANNEL_NAMES.breaker, onMessage);
    subscribe(EVENT_CHANNEL_NAMES.invalidation, onMessage);
    try {
      publishBreakerState({ name: 'redis', from: 'closed', to: 'open', reason: '5 failures' });
      publishInvalidation({ source: 'redis-bus', namespace: 'n', kind: 'received', keyCount: 2 });
    } finally {
      unsubscribe(EVENT_CHANNEL_NAMES.breaker, onMessage);
      unsubscribe(EVENT_CHANNEL_NAMES.invalidation, onMessage);
    }
    expect(seen).toEqual([
      { name: 'redis', from: 'closed', to: 'open', reason: '5 failures' },
      { source: 'redis-bus', namespace: 'n', kind: 'received', keyCount: 2 },
    ]);
  });
});
