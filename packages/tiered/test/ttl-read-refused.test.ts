import type { Logger } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { command, RedisServer } from '@cachestack/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TieredBackend } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

// A Redis ACL user without scripting (`-@scripting`: no EVAL/EVALSHA) can
// GET and PTTL but not run the TTL-read script. Tiered must notice the
// refusal once, fall back to GET (+ PTTL for the backfill), and remember.
let server: RedisServer;
const open: { close(): Promise<void> }[] = [];
let counter = 0;

beforeAll(async () => {
  server = await RedisServer.start();
  await command(server.port, [
    'ACL',
    'SETUSER',
    'noscript',
    'on',
    '>pw',
    '~*',
    '&*',
    '+@all',
    '-@scripting',
  ]);
}, 30_000);
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});
afterAll(async () => {
  await server?.destroy();
});

/** Calls and rejected calls per command name since the last reset (`INFO commandstats`). */
async function commandStats(): Promise<Record<string, { calls: number; rejected: number }>> {
  const info = String(await command(server.port, ['INFO', 'commandstats']));
  const stats: Record<string, { calls: number; rejected: number }> = {};
  for (const match of info.matchAll(/cmdstat_(\w+):calls=(\d+),.*?rejected_calls=(\d+)/g)) {
    if (match[1] === 'info' || match[1] === 'config') continue;
    stats[match[1] as string] = { calls: Number(match[2]), rejected: Number(match[3]) };
  }
  return stats;
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return {
    debug: noop,
    info: noop,
    error: noop,
    warn: (_fields, message) => warnings.push(message),
    warnings,
  };
}

function setup(logger?: Logger) {
  const url = `redis://noscript:pw@127.0.0.1:${server.port}`;
  const l1 = new MemoryBackend();
  const l2 = new RedisBackend({ url, namespace: `refused-${process.pid}-${++counter}` });
  const cache = new TieredBackend({ tiers: [{ backend: l1, maxTtlMs: 60_000 }, l2], logger });
  open.push(cache);
  return { l1, l2, cache };
}

describe('an L2 that refuses the TTL-read script (ACL without +@scripting)', {
  timeout: 20_000,
}, () => {
  it('get falls back to GET + PTTL, backfills within the L2 TTL, and asks the script only once', async () => {
    const logger = recordingLogger();
    const { l1, l2, cache } = setup(logger);
    await l2.set('k', bytes('v'), 10_000);
    for (let i = 0; i < 8; i++) await l2.set(`x${i}`, bytes(`x${i}`), 10_000);
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    expect(text(await cache.get('k'))).toBe('v');
    await waitFor(async () => (await l1.get('k')) !== undefined, 2_000);
    const l1Ttl = (await l1.getTtl('k')) as number;
    expect(l1Ttl).toBeGreaterThan(8_000);
    expect(l1Ttl).toBeLessThanOrEqual((await l2.getTtl('k')) as number);
    // More L2 hits than the breaker's threshold: the refusal is remembered, nothing counts as a failure.
    for (let i = 0; i < 8; i++) expect(text(await cache.get(`x${i}`))).toBe(`x${i}`);
    expect(cache.circuitStates()).toEqual(['closed', 'closed']);
    const stats = await commandStats();
    // The ACL rejects the script before it runs: one rejected call, none executed.
    expect((stats.evalsha?.rejected ?? 0) + (stats.eval?.rejected ?? 0)).toBe(1);
    expect((stats.evalsha?.calls ?? 0) + (stats.eval?.calls ?? 0)).toBe(0);
    expect(stats.get?.calls).toBe(9);
    expect(logger.warnings.filter((m) => m.includes('refuses the TTL read'))).toHaveLength(1);
  });

  it('getMany falls back too and backfills', async () => {
    const { l1, l2, cache } = setup();
    await l2.set('a', bytes('A'), 10_000);
    await l2.set('b', bytes('B'));
    expect((await cache.getMany(['a', 'b', 'zz'])).map(text)).toEqual(['A', 'B', undefined]);
    await waitFor(async () => (await l1.get('b')) !== undefined, 2_000);
    expect(await l1.getTtl('b')).toBeLessThanOrEqual(60_000);
    await waitFor(async () => (await l1.get('a')) !== undefined, 2_000);
    expect(await l1.getTtl('a')).toBeLessThanOrEqual((await l2.getTtl('a')) as number);
    expect(cache.circuitStates()).toEqual(['closed', 'closed']);
  });

  it('a real failure of the plain read still counts (no silent miss)', async () => {
    const { l2, cache } = setup();
    await l2.set('k', bytes('v'));
    await command(server.port, ['ACL', 'SETUSER', 'noscript', '-get']);
    try {
      await expect(cache.get('k')).resolves.toBeUndefined(); // degrade: a miss, reported
      expect(cache.circuitStates()[1]).toBe('closed');
      const health = await cache.healthCheck();
      expect(health.details.absorbedFailures).toBe(1);
    } finally {
      await command(server.port, ['ACL', 'SETUSER', 'noscript', '+get']);
    }
  });
});
