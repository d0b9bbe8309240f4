import {
  type BreakerStateEvent,
  EVENT_CHANNEL_NAMES,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { contextsOf, memoryLogger, recordEvents, recordTraces } from '@cachestack/test-support';
import { describe, expect, onTestFinished, test } from 'vitest';
import {
  AdaptiveTimeoutBackend,
  CircuitBreakerBackend,
  LoadSheddingBackend,
  presetBackend,
  RetryBackend,
} from '../src/index.js';
import { startRedisFixture } from './support/redis-fixture.js';

const { server, proxy, open, redis } = await startRedisFixture({
  namespace: 'obs',
  commandTimeoutMs: 1_000,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('wrapper logs and breaker events', () => {
  test('CircuitBreakerBackend publishes its state changes on cachestack:breaker and logs them', async () => {
    const logger = memoryLogger();
    const backend = new CircuitBreakerBackend(redis(), {
      failureThreshold: 2,
      resetTimeoutMs: 100,
      logger,
    });
    open.push(backend);
    const { messages: events } = recordEvents<BreakerStateEvent>(EVENT_CHANNEL_NAMES.breaker, {
      stopWith: onTestFinished,
    });

    await server.stop('SIGKILL');
    for (let i = 0; i < 2; i += 1) await expect(backend.get('k')).rejects.toThrow();
    await server.restart();
    await sleep(150);
    await expect(backend.get('k')).resolves.toBeUndefined();

    expect(events.map(({ name, from, to }) => [name, from, to])).toEqual([
      ['redis', 'closed', 'open'],
      ['redis', 'open', 'half-open'],
      ['redis', 'half-open', 'closed'],
    ]);
    expect(events[0]?.reason).toMatch(/^2 consecutive failures \(last: TRANSIENT /);
    expect(logger.lines.map((line) => [line.level, line.fields.to])).toEqual([
      ['warn', 'open'],
      ['debug', 'half-open'],
      ['info', 'closed'],
    ]);
  });

  test('RetryBackend logs each retry (debug) and a spent budget once (warn)', async () => {
    const logger = memoryLogger();
    const backend = new RetryBackend(redis(), {
      maxAttempts: 3,
      baseDelayMs: 1,
      maxDelayMs: 5,
      budgetMax: 1,
      logger,
    });
    open.push(backend);
    await server.stop('SIGKILL');
    await expect(backend.get('k')).rejects.toMatchObject({ type: 'TRANSIENT' });
    await expect(backend.get('k')).rejects.toMatchObject({ type: 'TRANSIENT' });
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([
      ['debug', 'retrying get after attempt 1'],
      ['warn', 'retry budget spent: get fails without retrying'],
    ]);
    expect(logger.lines[0]?.fields).toMatchObject({ operation: 'get', key: 'k', attempt: 1 });
  });

  test('LoadSheddingBackend warns when shedding starts and logs later sheds at debug', async () => {
    const logger = memoryLogger();
    const backend = new LoadSheddingBackend(redis(`redis://127.0.0.1:${proxy.port}`), {
      maxInFlight: 1,
      logger,
    });
    open.push(backend);
    await backend.get('warm-up'); // connect before the delay
    proxy.delayMs = 100;
    const results = await Promise.allSettled([
      backend.get('a'),
      backend.get('b'),
      backend.get('c'),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(
      logger.lines.map((line) => [line.level, line.fields.operation, line.fields.key]),
    ).toEqual([
      ['warn', 'get', 'b'],
      ['debug', 'get', 'c'],
    ]);
    expect(logger.lines[0]?.message).toMatch(/^load shedding started on redis/);
  });

  test('AdaptiveTimeoutBackend logs (debug) when a limit moves from the ceiling to what it measured', async () => {
    const logger = memoryLogger();
    const backend = new AdaptiveTimeoutBackend(new MemoryBackend(), {
      floorMs: 5,
      ceilingMs: 2_000,
      windowSize: 8,
      minSamples: 8,
      logger,
    });
    open.push(backend);
    for (let i = 0; i < 8; i += 1) await backend.get('k');
    expect(backend.limits().get).toBeLessThan(2_000);
    expect(logger.lines).toEqual([
      {
        level: 'debug',
        fields: { operation: 'get', fromMs: 2_000, toMs: backend.limits().get },
        message: `adaptive time limit for get: 2000 ms -> ${backend.limits().get} ms`,
      },
    ]);
  });

  test("presetBackend hands its logger to the wrappers (the breaker's warn names the store)", async () => {
    const logger = memoryLogger();
    const backend = presetBackend('production', redis(), {
      circuitBreaker: { failureThreshold: 1 },
      logger,
    });
    open.push(backend);
    await server.stop('SIGKILL');
    await expect(backend.get('k')).rejects.toThrow();
    const opened = logger.lines.find((line) => line.fields.to === 'open');
    expect(opened).toMatchObject({ level: 'warn', fields: { breaker: 'adaptive-timeout(redis)' } });
  });

  test('a bad logger is a TypeError naming the wrapper and the option', () => {
    const inner = new MemoryBackend();
    open.push(inner);
    expect(() => new RetryBackend(inner, { logger: {} as never })).toThrow(
      /^retry: option logger\.debug must be a function/,
    );
    expect(() => new CircuitBreakerBackend(inner, { loger: console } as never)).toThrow(
      /unknown option "loger" \(did you mean "logger"\?\)/,
    );
  });
});

describe('wrappers are not traced twice', () => {
  test('no tracing channel ever carries a wrapper backendType', async () => {
    const recordings = Object.values(TRACING_CHANNEL_NAMES).map((name) =>
      recordTraces(name, { stopWith: onTestFinished }),
    );
    const backend = new RetryBackend(new CircuitBreakerBackend(new MemoryBackend()));
    open.push(backend);
    await backend.set('k', Buffer.from('v'));
    await backend.get('k');
    await backend.delete('k');
    const seen = recordings.flatMap((recording) => contextsOf(recording.events, 'start'));
    expect(seen.filter((context) => context.backendType.includes('('))).toEqual([]);
  });
});
