import { healthSummary } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { TieredBackend } from '../src/index.js';

const server = await RedisServer.start();
afterAll(() => server.destroy());

describe('healthSummary of a memory + Redis tiered backend (real redis-server)', () => {
  it('ok while both answer, degraded (200) with Redis down, down (503) when no tier answers', {
    timeout: 20_000,
  }, async () => {
    const l1 = new MemoryBackend();
    const redis = new RedisBackend({
      url: server.url,
      namespace: 'health',
      timeouts: { '*': 500 },
    });
    const cache = new TieredBackend({ tiers: [l1, redis], closeTiers: false });
    try {
      const ok = await healthSummary(cache);
      expect(ok).toMatchObject({ status: 'ok', httpStatus: 200, backendType: 'tiered' });
      expect(ok.tiers?.map((tier) => [tier.name, tier.backendType, tier.status])).toEqual([
        ['L1', 'memory', 'ok'],
        ['L2', 'redis', 'ok'],
      ]);

      await server.stop('SIGKILL');
      const degraded = await healthSummary(cache);
      expect(degraded).toMatchObject({ status: 'degraded', httpStatus: 200 });
      expect(degraded.tiers?.map((tier) => tier.status)).toEqual(['ok', 'down']);
      expect(JSON.stringify(degraded)).not.toContain(String(server.port));

      await l1.close();
      const down = await healthSummary(cache);
      expect(down).toMatchObject({ status: 'down', httpStatus: 503 });
      expect(down.tiers?.map((tier) => tier.status)).toEqual(['down', 'down']);
    } finally {
      await cache.close();
      await redis.close();
      await l1.close();
    }
  });
});
