import { setTimeout as sleep } from 'node:timers/promises';
import { type OperationTraceContext, TRACING_CHANNEL_NAMES } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import {
  contextsOf,
  deferred,
  ReferenceBackend,
  recordTraces,
  settled,
} from '@cachestack/test-support';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createCache } from '../src/index.js';

const SECRET = 'value-bytes-7f3a';

/** A real subscriber on `cachestack:cache` for this test. */
const record = () => recordTraces(TRACING_CHANNEL_NAMES.cache, { stopWith: onTestFinished });

/** The fields a test compares (no timings). */
function summary(context: OperationTraceContext) {
  const out: Record<string, unknown> = { operation: context.operation, outcome: context.outcome };
  for (const field of ['key', 'keyCount', 'objectTier', 'objectTierHits', 'loaderRan', 'hits']) {
    if (context[field] !== undefined) out[field] = context[field];
  }
  return out;
}

describe('tracing on cachestack:cache', () => {
  test('a scripted sequence publishes exactly these operations and outcomes', async () => {
    const backend = new MemoryBackend();
    const cache = createCache({
      backend,
      namespace: 'app',
      objectCache: { maxEntries: 10, ttlMs: 60_000 },
    });
    const seen = record();
    await cache.set('a', { secret: SECRET });
    await cache.get('a'); // backend hit, now held
    await cache.get('a'); // object tier
    await cache.get('nope');
    await cache.has('a');
    await cache.getOrSet('b', async () => ({ secret: SECRET })); // loader runs
    await cache.getOrSet('b', async () => 'unused'); // backend hit
    await cache.getOrSet('b', async () => 'unused'); // object tier
    await cache.getMany(['a', 'b', 'c']);
    await cache.setMany([{ key: 'c', value: SECRET }]);
    await cache.delete('c');
    await cache.delete('c');
    await cache.invalidateTags(['t1', 't2']);
    await cache.expireTags(['t1']);
    await cache.namespace('sub').clear();
    await cache.clear();
    expect(settled(seen.events).map(summary)).toEqual([
      { operation: 'set', outcome: 'ok', key: 'a' },
      { operation: 'get', outcome: 'hit', key: 'a', objectTier: false },
      { operation: 'get', outcome: 'hit', key: 'a', objectTier: true },
      { operation: 'get', outcome: 'miss', key: 'nope' },
      { operation: 'has', outcome: 'hit', key: 'a', objectTier: true },
      { operation: 'getOrSet', outcome: 'loaded', key: 'b', loaderRan: true },
      { operation: 'getOrSet', outcome: 'hit', key: 'b', objectTier: false, loaderRan: false },
      { operation: 'getOrSet', outcome: 'hit', key: 'b', objectTier: true, loaderRan: false },
      { operation: 'getMany', outcome: 'partial', keyCount: 3, hits: 2, objectTierHits: 2 },
      { operation: 'setMany', outcome: 'ok', keyCount: 1 },
      { operation: 'delete', outcome: 'hit', key: 'c' },
      { operation: 'delete', outcome: 'miss', key: 'c' },
      { operation: 'invalidateTags', outcome: 'ok', keyCount: 2 },
      { operation: 'expireTags', outcome: 'ok', keyCount: 1 },
      { operation: 'clear', outcome: 'ok' },
      { operation: 'clear', outcome: 'ok' },
    ]);
    expect(contextsOf(seen.events, 'error')).toEqual([]);
    for (const context of settled(seen.events)) {
      expect(context.backendType).toBe('cache');
      expect(context.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(settled(seen.events).map((c) => c.namespace)).toEqual([
      ...Array(14).fill('app'),
      'app:sub',
      'app',
    ]);
    // Never a value: no context field carries the stored data.
    expect(JSON.stringify(settled(seen.events))).not.toContain(SECRET);
    await backend.close();
  });

  test('a failure carries its BackendError type and code', async () => {
    const backend = new ReferenceBackend();
    const cache = createCache({ backend });
    const seen = record();
    await expect(cache.get('')).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await backend.close();
    await expect(cache.set('k', 1)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(
      cache.getOrSet('k', async () => {
        throw new RangeError('loader broke');
      }),
    ).rejects.toThrow(); // the read fails first: CLOSED
    const errors = contextsOf(seen.events, 'error');
    expect(errors.map((c) => [c.operation, c.outcome, c.errorType, c.errorCode])).toEqual([
      ['get', 'error', 'PERMANENT', 'INVALID_KEY'],
      ['set', 'error', 'PERMANENT', 'CLOSED'],
      ['getOrSet', 'error', 'PERMANENT', 'CLOSED'],
    ]);
    expect(settled(seen.events).every((c) => c.outcome === 'error')).toBe(true);
  });

  test('a loader error: outcome error with the error name; served stale: outcome stale', async () => {
    const cache = createCache({ backend: new MemoryBackend() });
    const seen = record();
    const failing = async () => {
      throw new RangeError('loader broke');
    };
    await expect(cache.getOrSet('x', failing)).rejects.toThrow(RangeError);
    await cache.getOrSet('s', async () => 1, { ttlMs: 20, graceMs: 60_000 });
    await sleep(30);
    expect(await cache.getOrSet('s', failing, { ttlMs: 20, graceMs: 60_000 })).toBe(1);
    expect(settled(seen.events).map((c) => [c.key, c.outcome, c.errorType, c.loaderRan])).toEqual([
      ['x', 'error', 'RangeError', undefined],
      ['s', 'loaded', undefined, true],
      ['s', 'stale', undefined, true],
    ]);
  });

  test('joining an in-flight load: outcome loaded, loaderRan false, lockWaitMs the wait', async () => {
    const cache = createCache({ backend: new MemoryBackend() });
    const seen = record();
    const gate = deferred<string>();
    const first = cache.getOrSet('j', () => gate.promise);
    const second = cache.getOrSet('j', async () => 'never');
    await sleep(40);
    gate.resolve('loaded');
    expect(await Promise.all([first, second])).toEqual(['loaded', 'loaded']);
    const [a, b] = settled(seen.events);
    expect([a?.outcome, a?.loaderRan, b?.outcome, b?.loaderRan]).toEqual([
      'loaded',
      true,
      'loaded',
      false,
    ]);
    expect(a?.lockWaitMs).toBeUndefined();
    expect(b?.lockWaitMs).toBeGreaterThanOrEqual(35);
  });

  test("waiting on another holder's lock, then finding the value: outcome hit with lockWaitMs", async () => {
    const backend = new MemoryBackend();
    const cache = createCache({ backend });
    const writer = createCache({ backend });
    const held = await backend.acquireLock('w', { ttlMs: 5_000 });
    const seen = record();
    const reading = cache.getOrSet('w', async () => 'mine', { lockWaitMs: 5_000 });
    await sleep(50);
    await writer.set('w', 'theirs');
    await held?.release();
    expect(await reading).toBe('theirs');
    const traced = settled(seen.events).find((c) => c.operation === 'getOrSet');
    expect([traced?.outcome, traced?.loaderRan]).toEqual(['hit', false]);
    expect(traced?.lockWaitMs).toBeGreaterThanOrEqual(40);
    await backend.close();
  });

  test('without a subscriber nothing is published', async () => {
    const cache = createCache({ backend: new MemoryBackend() });
    const seen = record();
    seen.stop();
    await cache.set('k', 1);
    await cache.get('k');
    expect([contextsOf(seen.events, 'start').length, settled(seen.events).length]).toEqual([0, 0]);
  });
});
