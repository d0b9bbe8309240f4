import {
  type BreakerStateEvent,
  EVENT_CHANNEL_NAMES,
  type InvalidationEvent,
  type OperationTraceContext,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import {
  memoryLogger,
  printed,
  recordEvents,
  recordTraces,
  settled,
} from '@cachestack/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalInvalidationBus, TieredBackend } from '../src/index.js';
import { bytes, instrumentedMemory, sleep, text } from './support/helpers.js';

const SECRET = 'VALUE-BYTES-never-traced';
const value = () => bytes(SECRET);

const stops: (() => void)[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const close of closers.splice(0)) await close();
});

function traces() {
  const recorder = recordTraces(TRACING_CHANNEL_NAMES.tiered);
  stops.push(recorder.stop);
  return recorder;
}

/** operation, outcome and answering tier of each settled operation. */
const summary = (contexts: OperationTraceContext[]) =>
  contexts.map((c) => [c.operation, c.outcome, c.tier, c.tierBackendType]);

function assertNoValueBytes(contexts: readonly OperationTraceContext[]): void {
  for (const context of contexts) {
    for (const field of Object.values(context)) expect(field).not.toBeInstanceOf(Uint8Array);
  }
  expect(printed(contexts)).not.toContain(SECRET);
  expect(printed(contexts)).not.toContain(printed([value()]).slice(0, 40));
}

describe('tiered tracing on cachestack:tiered', () => {
  it('publishes each operation once, with the tier that answered and the outcome', async () => {
    const l1 = new MemoryBackend();
    const l2 = instrumentedMemory('l2-memory');
    const cache = new TieredBackend({ tiers: [l1, l2] });
    closers.push(() => cache.close());
    const { events } = traces();

    await cache.set('a', value(), 60_000);
    expect(text(await cache.get('a'))).toBe(SECRET);
    await l1.delete('a'); // not a tiered operation: not traced here
    expect(text(await cache.get('a'))).toBe(SECRET); // from L2, backfilled
    await cache.get('a');
    expect(await cache.get('missing')).toBeUndefined();
    await cache.exists('a');
    await cache.exists('missing');
    await cache.getMany(['a', 'missing']);
    await cache.setMany([
      { key: 'b', value: value() },
      { key: 'c', value: value(), ttlMs: 1000 },
    ]);
    await cache.deleteMany(['b', 'c', 'zz']);
    await cache.delete('a');
    await cache.delete('a');
    await cache.getTtl?.('missing');

    const ends = settled(events);
    expect(summary(ends)).toEqual([
      ['set', 'ok', undefined, undefined],
      ['get', 'hit', 0, 'memory'],
      ['get', 'hit', 1, 'l2-memory'],
      ['get', 'hit', 0, 'memory'],
      ['get', 'miss', undefined, undefined],
      ['exists', 'hit', 0, 'memory'],
      ['exists', 'miss', undefined, undefined],
      ['getMany', 'partial', undefined, undefined],
      ['setMany', 'ok', undefined, undefined],
      ['deleteMany', 'ok', undefined, undefined],
      ['delete', 'hit', undefined, undefined],
      ['delete', 'miss', undefined, undefined],
      ['getTtl', 'ok', undefined, undefined],
    ]);
    // Every operation: start, end, asyncStart, asyncEnd — once (the tiers' own
    // operations go to cachestack:backend, not here).
    expect(events).toHaveLength(ends.length * 4);
    expect(events.slice(0, 4).map(([event]) => event)).toEqual([
      'start',
      'end',
      'asyncStart',
      'asyncEnd',
    ]);
    expect(ends[0]).toMatchObject({ backendType: 'tiered', namespace: undefined, key: 'a' });
    expect(ends[7]).toMatchObject({ key: undefined, keyCount: 2, hits: 1 });
    expect(ends[8]).toMatchObject({ keyCount: 2 });
    expect(ends[9]).toMatchObject({ keyCount: 3 });
    for (const context of ends) expect(context.durationMs).toBeGreaterThanOrEqual(0);
    assertNoValueBytes(events.map(([, context]) => context));
  });

  it('names the answering tier on the L1 get path without local reads and under a time limit', async () => {
    for (const timeouts of [undefined, { get: 5_000 }]) {
      const l1 = instrumentedMemory('l1-instrumented');
      const l2 = instrumentedMemory('l2-memory');
      const cache = new TieredBackend({ tiers: [l1, l2], timeouts });
      closers.push(() => cache.close());
      await l2.set('k', value());
      const { events, stop } = recordTraces(TRACING_CHANNEL_NAMES.tiered);
      await cache.get('k');
      await cache.get('k');
      await cache.get('none');
      stop();
      expect(summary(settled(events))).toEqual([
        ['get', 'hit', 1, 'l2-memory'],
        ['get', 'hit', 0, 'l1-instrumented'],
        ['get', 'miss', undefined, undefined],
      ]);
    }
  });

  it('records the error type and code of a failed operation, and CLOSED after close', async () => {
    const l2 = instrumentedMemory('l2-memory');
    const cache = new TieredBackend({ tiers: [new MemoryBackend(), l2] });
    const { events } = traces();
    l2.down.add('*');
    const failure = await cache.set('k', value()).catch((error: unknown) => error);
    await cache.close();
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(cache.delete('k')).rejects.toMatchObject({ code: 'CLOSED' });

    expect(events.slice(0, 5).map(([event]) => event)).toEqual([
      'start',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ]);
    const ends = settled(events);
    expect(ends.map((c) => [c.operation, c.outcome, c.errorType, c.errorCode])).toEqual([
      ['set', 'error', 'TRANSIENT', (failure as { code: string }).code],
      ['get', 'error', 'PERMANENT', 'CLOSED'],
      ['delete', 'error', 'PERMANENT', 'CLOSED'],
    ]);
    expect((failure as { code: string }).code).toBe('UNAVAILABLE');
    assertNoValueBytes(ends);
  });

  it('publishes nothing and builds no context with no subscriber', async () => {
    const cache = new TieredBackend({ tiers: [new MemoryBackend(), new MemoryBackend()] });
    closers.push(() => cache.close());
    const { events, stop } = recordTraces(TRACING_CHANNEL_NAMES.tiered);
    stop();
    await cache.set('k', value());
    await cache.get('k');
    expect(events).toEqual([]);
  });
});

describe('tiered breaker events and logs', () => {
  it('publishes open / half-open / closed on cachestack:breaker and logs warn / debug / info', async () => {
    const logger = memoryLogger();
    const l2 = instrumentedMemory('l2-memory');
    const cache = new TieredBackend({
      tiers: [
        new MemoryBackend(),
        { backend: l2, circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 40 } },
      ],
      logger,
    });
    closers.push(() => cache.close());
    const { messages, stop } = recordEvents<BreakerStateEvent>(EVENT_CHANNEL_NAMES.breaker);
    stops.push(stop);

    l2.down.add('get');
    expect(await cache.get('k')).toBeUndefined(); // degraded miss: L1 answered
    l2.down.clear();
    await sleep(60);
    expect(await cache.get('k')).toBeUndefined(); // the trial call succeeds

    expect(messages.map(({ name, from, to }) => [name, from, to])).toEqual([
      ['tier L2 (l2-memory)', 'closed', 'open'],
      ['tier L2 (l2-memory)', 'open', 'half-open'],
      ['tier L2 (l2-memory)', 'half-open', 'closed'],
    ]);
    expect(messages[0]?.reason).toMatch(/1 consecutive failures \(last: TRANSIENT UNAVAILABLE\)/);
    const breakerLines = logger.lines.filter((line) => line.fields.breaker !== undefined);
    expect(breakerLines.map((line) => [line.level, line.fields.to])).toEqual([
      ['warn', 'open'],
      ['debug', 'half-open'],
      ['info', 'closed'],
    ]);
    const absorbed = logger.lines.filter((line) =>
      line.message.startsWith('tier failure absorbed'),
    );
    expect(absorbed).toEqual([
      {
        level: 'warn',
        fields: {
          operation: 'get',
          key: 'k',
          tier: 'L2',
          errorType: 'TRANSIENT',
          errorCode: 'UNAVAILABLE',
        },
        message: 'tier failure absorbed (get on tier L2)',
      },
    ]);
  });

  it('a logger that throws never fails the operation', async () => {
    const boom = () => {
      throw new Error('logger broke');
    };
    const l2 = instrumentedMemory('l2-memory');
    const cache = new TieredBackend({
      tiers: [new MemoryBackend(), { backend: l2, circuitBreaker: { failureThreshold: 1 } }],
      logger: { debug: boom, info: boom, warn: boom, error: boom },
    });
    closers.push(() => cache.close());
    l2.down.add('get');
    await expect(cache.get('k')).resolves.toBeUndefined();
    expect(cache.circuitStates()).toEqual(['closed', 'open']);
  });

  it('rejects a logger without the four methods with a TypeError naming it', () => {
    const tiers = [new MemoryBackend()];
    expect(() => new TieredBackend({ tiers, logger: {} as never })).toThrow(
      /logger\.debug must be a function/,
    );
    expect(() => new TieredBackend({ tiers, logger: 'console' as never })).toThrow(
      /^logger must be a logger/,
    );
    expect(() => new TieredBackend({ tiers, loger: console } as never)).toThrow(
      /unknown option "loger" \(did you mean "logger"\?\)/,
    );
  });
});

describe('invalidation events on cachestack:invalidation (LocalInvalidationBus)', () => {
  it('publishes published / received with key count and lag, and flush on reconnect (logged)', async () => {
    const bus = new LocalInvalidationBus();
    const shared = new MemoryBackend();
    const logger = memoryLogger();
    const make = (origin: string) =>
      new TieredBackend({
        tiers: [new MemoryBackend(), shared],
        closeTiers: false,
        invalidation: { bus, namespace: 'users', origin },
        logger,
      });
    const a = make('a');
    const b = make('b');
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    await Promise.all([a.ready(), b.ready()]);
    const { messages, stop } = recordEvents<InvalidationEvent>(EVENT_CHANNEL_NAMES.invalidation);
    stops.push(stop);
    const traced = traces();

    await a.set('k', value());
    await a.clear?.();
    bus.simulateReconnect();

    expect(messages.map(({ lagMs, ...event }) => event)).toEqual([
      { source: 'local-bus', kind: 'published', namespace: 'users', keyCount: 1 },
      { source: 'local-bus', kind: 'received', namespace: 'users', keyCount: 1 },
      { source: 'local-bus', kind: 'published', namespace: 'users' },
      { source: 'local-bus', kind: 'received', namespace: 'users' },
      { source: 'local-bus', kind: 'flush', namespace: undefined, reason: 'reconnect' },
    ]);
    const lag = messages[1]?.lagMs;
    expect(typeof lag === 'number' && lag >= 0 && lag < 1000).toBe(true);
    expect(messages[0]?.lagMs).toBeUndefined();
    const drops = logger.lines.filter((line) => line.fields.reason === 'reconnect');
    expect(drops.map((line) => [line.level, line.fields.tiers])).toEqual([
      ['info', ['L1']],
      ['info', ['L1']],
    ]);
    expect(settled(traced.events)[0]).toMatchObject({ namespace: 'users', operation: 'set' });
  });
});
