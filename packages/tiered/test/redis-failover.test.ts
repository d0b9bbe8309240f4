import { randomUUID } from 'node:crypto';
import { BackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TieredBackend, type TierFailureEvent, type TierHealth } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

const server = await RedisServer.start();
afterAll(() => server.destroy());

const open: TieredBackend[] = [];
afterEach(async () => {
  await server.restart();
  await Promise.all(open.splice(0).map((backend) => backend.close().catch(() => undefined)));
});

function cache(readPolicy: 'degrade' | 'strict' = 'degrade', events: TierFailureEvent[] = []) {
  const l1 = new MemoryBackend();
  const l2 = new RedisBackend({
    url: server.url,
    namespace: randomUUID(),
    commandTimeoutMs: 1_000,
  });
  const tiered = new TieredBackend({
    tiers: [l1, { backend: l2, circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 100 } }],
    readPolicy,
    onDegraded: (event) => events.push(event),
  });
  open.push(tiered);
  return { l1, l2, tiered };
}

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

describe('failover with a real redis-server as L2', () => {
  it('serves L1 hits while Redis is stopped, degrades misses, and recovers after a restart', async () => {
    const events: TierFailureEvent[] = [];
    const { tiered } = cache('degrade', events);
    await tiered.set('hot', bytes('v'));
    await server.stop('SIGKILL');
    expect(text(await tiered.get('hot'))).toBe('v');
    expect(await tiered.get('cold')).toBeUndefined();
    expect(events[0]?.tier).toBe('L2');
    expect(events[0]?.error.type).toBe('TRANSIENT');
    const health = await tiered.healthCheck();
    expect(health.healthy).toBe(false);
    const tiers = health.details.tiers as TierHealth[];
    expect(tiers.map((tier) => tier.healthy)).toEqual([true, false]);
    expect(tiers[1]?.backendType).toBe('redis');

    await server.restart();
    await waitFor(async () => {
      try {
        await tiered.set('after', bytes('w'));
        return true;
      } catch {
        return false;
      }
    }, 10_000);
    expect(text(await tiered.get('after'))).toBe('w');
    expect(tiered.circuitStates()).toEqual(['closed', 'closed']);
    expect((await tiered.healthCheck()).healthy).toBe(true);
  });

  it("readPolicy 'strict' rejects a miss while Redis is stopped", async () => {
    const { tiered } = cache('strict');
    await tiered.set('warm', bytes('v'));
    await server.stop('SIGKILL');
    expect((await rejection(tiered.get('cold'))).type).toBe('TRANSIENT');
    expect(text(await tiered.get('warm'))).toBe('v');
  });

  it('a write while Redis is stopped rejects TRANSIENT and leaves no L1 copy (no orphan)', async () => {
    const { l1, tiered } = cache();
    await tiered.set('k', bytes('old'));
    await server.stop('SIGKILL');
    expect((await rejection(tiered.set('k', bytes('new')))).type).toBe('TRANSIENT');
    expect((await rejection(tiered.set('fresh', bytes('x')))).type).toBe('TRANSIENT');
    expect(await l1.get('k')).toBeUndefined();
    expect(await l1.get('fresh')).toBeUndefined();
  });

  it('once the L2 circuit opens, calls stop waiting on Redis', async () => {
    const { tiered } = cache();
    await server.stop('SIGKILL');
    for (let i = 0; i < 3; i += 1) await tiered.get(`miss-${i}`);
    expect(tiered.circuitStates()[1]).toBe('open');
    const started = performance.now();
    for (let i = 0; i < 100; i += 1) await tiered.get(`miss-${i}`);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('locks come from Redis (distributed) and respect the holder', async () => {
    const { l2, tiered } = cache();
    const lock = await tiered.acquireLock?.('job', { ttlMs: 5_000 });
    expect(lock).toBeDefined();
    expect(await l2.acquireLock('job', { ttlMs: 5_000 })).toBeUndefined();
    expect(await lock?.release()).toBe(true);
  });
});
