// The instrumentation over the real packages, as they publish on the
// channels: a memory backend, a tiered memory + Redis backend (a real
// redis-server, stopped and restarted to trip the breaker) and the facade
// over it. Exact counts for a scripted workload.
import { createCache } from '@cachestack/cache';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { RedisInvalidationBus, TieredBackend } from '@cachestack/tiered';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../src/index.js';
import { instrumentTests } from './support/telemetry.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const VALUE = 'value-bytes-never-exported-91c2';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const otel = instrumentTests();

/** Everything exported, as one string (to look for values and keys). */
async function exported(): Promise<string> {
  return JSON.stringify([
    otel.telemetry.spans().map((span) => [span.name, span.attributes, span.status, span.events]),
    await otel.telemetry.points(),
  ]);
}

describe('a memory backend', () => {
  it('gives a span per operation, 2 hits, 1 miss and one CLOSED error', async () => {
    const memory = new MemoryBackend();
    await memory.set('a', bytes(VALUE));
    await memory.set('b', bytes(VALUE), 60_000);
    expect(await memory.get('a')).toBeDefined();
    expect(await memory.get('b')).toBeDefined();
    expect(await memory.get('c')).toBeUndefined();
    await memory.close();
    await expect(memory.get('a')).rejects.toMatchObject({ code: 'CLOSED' });

    const backendSpans = otel.telemetry
      .spans()
      .filter((span) => span.name.startsWith('cachestack.backend '));
    expect(backendSpans.map((span) => span.name)).toEqual([
      'cachestack.backend set',
      'cachestack.backend set',
      'cachestack.backend get',
      'cachestack.backend get',
      'cachestack.backend get',
      'cachestack.backend close',
      'cachestack.backend get',
    ]);
    expect(backendSpans.map((span) => span.attributes['cachestack.outcome'])).toEqual([
      'ok',
      'ok',
      'hit',
      'hit',
      'miss',
      'ok',
      'error',
    ]);
    expect(backendSpans.at(-1)?.attributes).toMatchObject({
      'cachestack.backend.type': 'memory',
      'cachestack.error.type': 'PERMANENT',
      'cachestack.error.code': 'CLOSED',
    });
    const memoryLookups = { 'cachestack.layer': 'backend', 'cachestack.backend.type': 'memory' };
    expect(
      await otel.telemetry.total(METRIC_NAMES.lookups, {
        ...memoryLookups,
        'cachestack.result': 'hit',
      }),
    ).toBe(2);
    expect(
      await otel.telemetry.total(METRIC_NAMES.lookups, {
        ...memoryLookups,
        'cachestack.result': 'miss',
      }),
    ).toBe(1);
    expect(
      await otel.telemetry.total(METRIC_NAMES.errors, {
        ...memoryLookups,
        'cachestack.error.code': 'CLOSED',
      }),
    ).toBe(1);
    const text = await exported();
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain('"a"');
  });
});

describe('tiered memory + Redis under the facade', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis?.destroy();
  });

  /** L1 memory over L2 Redis (breaker threshold 1), with a Redis invalidation bus when `withBus`. */
  function tieredOver(namespace: string, withBus = false) {
    const l1 = new MemoryBackend();
    const l2 = new RedisBackend({
      url: redis.url,
      namespace,
      commandTimeoutMs: 300,
      reconnectMaxDelayMs: 50,
    });
    const bus = withBus ? new RedisInvalidationBus({ client: l2.client }) : undefined;
    const tiered = new TieredBackend({
      tiers: [
        { backend: l1, name: 'L1' },
        { backend: l2, name: 'L2', circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 300 } },
      ],
      ...(bus === undefined ? {} : { invalidation: { bus, namespace } }),
    });
    const close = async () => {
      await tiered.close();
      await bus?.close();
    };
    return { l1, l2, tiered, close };
  }

  it('counts hits and misses per tier: 1 L1 hit, 1 L2 hit, 1 miss', async () => {
    const { l1, tiered } = tieredOver(`otel-tiers-${process.pid}`);
    try {
      await tiered.set('p1', bytes(VALUE), 60_000);
      expect(await tiered.get('p1')).toBeDefined(); // L1
      await l1.delete('p1');
      expect(await tiered.get('p1')).toBeDefined(); // L2, copied up
      expect(await tiered.get('nope')).toBeUndefined(); // neither

      const tieredLookups = { 'cachestack.layer': 'tiered', 'cachestack.operation': 'get' };
      expect(
        await otel.telemetry.total(METRIC_NAMES.lookups, {
          ...tieredLookups,
          'cachestack.result': 'hit',
        }),
      ).toBe(2);
      expect(
        await otel.telemetry.total(METRIC_NAMES.lookups, {
          ...tieredLookups,
          'cachestack.result': 'miss',
        }),
      ).toBe(1);
      // Per tier, from the tiers' own backend operations.
      const memory = { 'cachestack.layer': 'backend', 'cachestack.backend.type': 'memory' };
      const remote = { 'cachestack.layer': 'backend', 'cachestack.backend.type': 'redis' };
      expect(
        await otel.telemetry.total(METRIC_NAMES.lookups, { ...memory, 'cachestack.result': 'hit' }),
      ).toBe(1);
      expect(
        await otel.telemetry.total(METRIC_NAMES.lookups, {
          ...memory,
          'cachestack.result': 'miss',
        }),
      ).toBe(2);
      expect(
        await otel.telemetry.total(METRIC_NAMES.lookups, { ...remote, 'cachestack.result': 'hit' }),
      ).toBe(1);
      expect(
        await otel.telemetry.total(METRIC_NAMES.lookups, {
          ...remote,
          'cachestack.result': 'miss',
        }),
      ).toBe(1);
      // The tiered spans say which tier answered; the tiers' spans are their children.
      const spans = otel.telemetry.spans();
      const tieredGets = spans.filter((span) => span.name === 'cachestack.tiered get');
      expect(tieredGets).toHaveLength(3);
      expect(tieredGets.map((span) => span.attributes['cachestack.outcome'])).toEqual([
        'hit',
        'hit',
        'miss',
      ]);
      expect(tieredGets[0]?.attributes['cachestack.tier']).toBeDefined();
      expect(tieredGets[1]?.attributes['cachestack.tier']).not.toBe(
        tieredGets[0]?.attributes['cachestack.tier'],
      );
      // (the test's own l1.delete is the one backend call outside the tiered backend)
      expectChildrenOf(spans, 'cachestack.tiered ', 'cachestack.backend ', [
        'cachestack.backend delete',
      ]);
      expect(await exported()).not.toContain(VALUE);
    } finally {
      await tiered.close();
    }
  });

  it('records the Redis failure with its code and the breaker opening and closing', async () => {
    const { l2, tiered, close } = tieredOver(`otel-breaker-${process.pid}`);
    try {
      await tiered.set('p2', bytes(VALUE), 60_000);
      await redis.stop();
      // A key only Redis could have: L2 fails once and the breaker (threshold 1) opens.
      expect(await tiered.get('p3')).toBeUndefined(); // a degraded read: a miss
      await redis.restart();
      for (let waited = 0; !(await l2.healthCheck()).healthy && waited < 10_000; waited += 50) {
        await sleep(50);
      }
      await sleep(400); // past resetTimeoutMs: the next read is the half-open trial, and it succeeds
      expect(await tiered.get('p3')).toBeUndefined();

      const redisErrors = (await otel.telemetry.points()).filter(
        (point) => point.name === METRIC_NAMES.errors,
      );
      expect(redisErrors.map((point) => [point.attributes, point.value])).toEqual([
        [
          {
            'cachestack.layer': 'backend',
            'cachestack.backend.type': 'redis',
            'cachestack.namespace': `otel-breaker-${process.pid}`,
            'cachestack.operation': 'getWithTtl',
            'cachestack.error.type': 'TRANSIENT',
            'cachestack.error.code': 'UNAVAILABLE',
          },
          1,
        ],
      ]);
      const transitions = (await otel.telemetry.points())
        .filter((point) => point.name === METRIC_NAMES.breakerTransitions)
        .map((point) => [
          point.attributes['cachestack.breaker.from'],
          point.attributes['cachestack.breaker.to'],
          point.value,
        ]);
      expect(transitions).toEqual([
        ['closed', 'open', 1],
        ['open', 'half-open', 1],
        ['half-open', 'closed', 1],
      ]);
      const states = (await otel.telemetry.points()).filter(
        (point) => point.name === METRIC_NAMES.breakerState,
      );
      expect(states.map((point) => point.value)).toEqual([0]); // closed again
    } finally {
      await close();
    }
  });

  it('counts invalidation messages between two instances and records their lag', async () => {
    const namespace = `otel-bus-${process.pid}`;
    const a = tieredOver(namespace, true);
    const b = tieredOver(namespace, true);
    try {
      await b.tiered.get('k'); // B subscribes on first use at the latest
      await sleep(100);
      await a.tiered.set('k', bytes(VALUE), 60_000);
      const received = { 'cachestack.invalidation.kind': 'received' };
      for (let waited = 0; waited < 5_000; waited += 20) {
        if ((await otel.telemetry.total(METRIC_NAMES.invalidationMessages, received)) > 0) break;
        await sleep(20);
      }
      const messages = {
        'cachestack.invalidation.source': 'redis-bus',
        'cachestack.namespace': namespace,
      };
      expect(
        await otel.telemetry.total(METRIC_NAMES.invalidationMessages, {
          ...messages,
          'cachestack.invalidation.kind': 'published',
        }),
      ).toBe(1);
      const receipts = await otel.telemetry.total(METRIC_NAMES.invalidationMessages, {
        ...messages,
        ...received,
      });
      expect(receipts).toBeGreaterThan(0);
      const lag = (await otel.telemetry.points()).filter(
        (point) => point.name === METRIC_NAMES.invalidationLag,
      );
      expect(lag.reduce((total, point) => total + (point.count ?? 0), 0)).toBe(receipts);
      for (const point of lag) expect(point.sum).toBeLessThan(5 * (point.count ?? 0));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('nests tiered spans under the facade span and the tiers under them', async () => {
    const { tiered } = tieredOver(`otel-facade-${process.pid}`);
    const cache = createCache({ backend: tiered });
    try {
      let loads = 0;
      const loader = async () => {
        loads++;
        return { name: VALUE };
      };
      await cache.getOrSet('user:42', loader, { ttlMs: 60_000 });
      await cache.getOrSet('user:42', loader, { ttlMs: 60_000 });
      expect(loads).toBe(1);
      const spans = otel.telemetry.spans();
      const facadeSpans = spans.filter((span) => span.name === 'cachestack.cache getOrSet');
      expect(facadeSpans).toHaveLength(2);
      expect(facadeSpans.map((span) => span.attributes['cachestack.outcome'])).toEqual([
        'loaded',
        'hit',
      ]);
      expect(facadeSpans.map((span) => span.attributes['cachestack.loader_ran'])).toEqual([
        true,
        false,
      ]);
      expect(
        await otel.telemetry.total(METRIC_NAMES.lookups, {
          'cachestack.layer': 'cache',
          'cachestack.operation': 'getOrSet',
          'cachestack.result': 'hit',
        }),
      ).toBe(1);
      expect(
        await otel.telemetry.total(METRIC_NAMES.lookups, {
          'cachestack.layer': 'cache',
          'cachestack.operation': 'getOrSet',
        }),
      ).toBe(2);
      expectChildrenOf(spans, 'cachestack.cache ', 'cachestack.tiered ');
      expectChildrenOf(spans, 'cachestack.tiered ', 'cachestack.backend ');
      expect(await exported()).not.toContain(VALUE);
      expect(await exported()).not.toContain('user:42');
    } finally {
      await cache.idle();
      await tiered.close();
    }
  });
});

/**
 * Every span named `child…` (but `except`) has a parent named `parent…`,
 * and there is at least one.
 */
function expectChildrenOf(
  spans: ReadableSpan[],
  parentPrefix: string,
  childPrefix: string,
  except: readonly string[] = [],
): void {
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  const children = spans.filter(
    (span) => span.name.startsWith(childPrefix) && !except.includes(span.name),
  );
  const parents = children.map((span) => {
    const parentId = span.parentSpanContext?.spanId;
    return parentId === undefined ? undefined : byId.get(parentId)?.name;
  });
  expect(children.length).toBeGreaterThan(0);
  for (const name of parents) expect(name?.startsWith(parentPrefix)).toBe(true);
}
