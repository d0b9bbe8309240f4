// With the Node OpenTelemetry context manager registered (as the Node SDK
// does), an operation's span is the active context while it runs: spans the
// application starts inside (a getOrSet loader's query) are its children,
// and the application's own active span is its parent.
import { OperationTracer, TRACING_CHANNEL_NAMES } from '@cachestack/core';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentCachestack } from '../src/index.js';
import { instrumentTests, Telemetry } from './support/telemetry.js';

describe('with the AsyncLocalStorage context manager', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    context.disable();
  });
  const otel = instrumentTests('all');

  it('parents a cachestack span on the active span and its loader spans on it', async () => {
    const app = otel.telemetry.tracerProvider.getTracer('app');
    const facade = new OperationTracer(TRACING_CHANNEL_NAMES.cache, 'cache');
    const backend = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'memory');
    await app.startActiveSpan('GET /users/42', async (request) => {
      await facade.trace('getOrSet', 'user:42', undefined, async () => {
        await backend.trace('get', 'user:42', undefined, async () => undefined);
        await new Promise((resolve) => setTimeout(resolve, 1));
        const query = app.startSpan('SELECT users');
        query.end();
        // Inside the operation, the active span is the operation's own.
        expect(trace.getActiveSpan()).not.toBe(request);
        return 'loaded';
      });
      request.end();
    });
    const byName = new Map(otel.telemetry.spans().map((span) => [span.name, span]));
    const request = byName.get('GET /users/42');
    const getOrSet = byName.get('cachestack.cache getOrSet');
    expect(getOrSet?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    for (const child of ['cachestack.backend get', 'SELECT users']) {
      expect(byName.get(child)?.parentSpanContext?.spanId).toBe(getOrSet?.spanContext().spanId);
    }
    // After the operation, the application's context is back.
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

describe('two live instrumentations', () => {
  it("both record every span (the second does not take over the first's store binding)", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const first = new Telemetry();
    const second = new Telemetry();
    const one = instrumentCachestack({ tracerProvider: first.tracerProvider, metrics: false });
    const two = instrumentCachestack({ tracerProvider: second.tracerProvider, metrics: false });
    try {
      const tiered = new OperationTracer(TRACING_CHANNEL_NAMES.tiered, 'tiered');
      const memory = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'memory');
      await tiered.trace('get', 'k', undefined, () =>
        memory.trace('get', 'k', undefined, async () => undefined),
      );
      for (const telemetry of [first, second]) {
        const [child, parent] = telemetry.spans();
        expect([child?.name, parent?.name]).toEqual([
          'cachestack.backend get',
          'cachestack.tiered get',
        ]);
        expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
      }
    } finally {
      one.disable();
      two.disable();
      await first.shutdown();
      await second.shutdown();
      context.disable();
    }
  });
});
