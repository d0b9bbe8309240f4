import { MemoryBackend } from '@cachestack/memory';
import { describe, expect, it } from 'vitest';
import { TieredBackend, type TierHealth } from '../src/index.js';
import { instrumentedMemory } from './support/helpers.js';

describe('healthCheck', () => {
  it('is healthy when every tier is, with one entry per tier', async () => {
    const cache = new TieredBackend({
      tiers: [{ backend: new MemoryBackend(), name: 'local' }, new MemoryBackend()],
    });
    const health = await cache.healthCheck();
    expect(health.healthy).toBe(true);
    expect(health.backendType).toBe('tiered');
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    const tiers = health.details.tiers as TierHealth[];
    expect(tiers.map((tier) => [tier.name, tier.backendType, tier.healthy, tier.circuit])).toEqual([
      ['local', 'memory', true, 'closed'],
      ['L2', 'memory', true, 'closed'],
    ]);
    expect(health.details.degraded).toBe(false);
    await cache.close();
  });

  it('shows which tier is down and its circuit, without throwing', async () => {
    const l2 = instrumentedMemory('redis-like');
    const cache = new TieredBackend({
      tiers: [new MemoryBackend(), { backend: l2, circuitBreaker: { failureThreshold: 1 } }],
    });
    l2.down.add('*');
    await cache.get('k').catch(() => undefined);
    const health = await cache.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.error).toMatch(/tier L2 is down/);
    const tiers = health.details.tiers as TierHealth[];
    expect(tiers[0]?.healthy).toBe(true);
    expect(tiers[1]).toMatchObject({
      name: 'L2',
      backendType: 'redis-like',
      healthy: false,
      circuit: 'open',
    });
    expect(health.details.degraded).toBe(true);
    await cache.close();
  });

  it('reports a defined unhealthy result after close', async () => {
    const cache = new TieredBackend({ tiers: [new MemoryBackend()] });
    await cache.close();
    await cache.close();
    const health = await cache.healthCheck();
    expect(health.healthy).toBe(false);
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'CLOSED', type: 'PERMANENT' });
  });
});
