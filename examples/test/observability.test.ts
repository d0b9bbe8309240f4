import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { command, RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hitRatiosPerTier, parseSamples } from '../observability/metrics.mjs';

const START_SCRIPT = fileURLToPath(new URL('../observability/start.mjs', import.meta.url));
const EXAMPLES_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Runs the example to its end (it exits by itself) with `env` added. */
async function runExample(env: Record<string, string | undefined>) {
  const childEnv = { ...process.env, ...env };
  if (env.REDIS_URL === undefined) delete childEnv.REDIS_URL;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [START_SCRIPT], {
    cwd: EXAMPLES_DIR,
    env: childEnv,
    timeout: 45_000,
  });
  return { lines: stdout.trim().split('\n'), stderr };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The workload: A loads 10 products (each getOrSet reads twice before it
// loads: once, then again under the Redis lock: 20 misses), reads them twice
// (20 L1 hits); B reads them twice (10 L2 hits, then 10 L1 hits); A renames
// product 1, the bus drops B's copy, and B reads it from L2 (1 more L2 hit).
// The facade: 10 loads, then 41 getOrSet calls answered from the cache.
const RATIOS = [
  'database loads: 10',
  'L1 memory: 30 hits / 61 reads = 49.2%',
  'L2 redis: 11 hits / 31 reads = 35.5%',
  'cache getOrSet: 41 hits / 51 calls = 80.4%',
];
const SCRAPED = [
  'tiered lookups, as scraped:',
  '  cachestack_lookups_total{cachestack_layer="tiered",cachestack_tier="-",cachestack_result="miss"} 20',
  '  cachestack_lookups_total{cachestack_layer="tiered",cachestack_tier="0",cachestack_result="hit"} 30',
  '  cachestack_lookups_total{cachestack_layer="tiered",cachestack_tier="1",cachestack_result="hit"} 11',
];

describe('observability example: tiered memory + Redis, Prometheus scrape, hit ratio per tier', () => {
  it('starts its own redis-server, prints the ratios and the scraped lines, and stops it', async () => {
    const { lines, stderr } = await runExample({ REDIS_URL: undefined });
    expect(stderr).toBe('');
    expect(lines[0]).toMatch(/^metrics: http:\/\/127\.0\.0\.1:\d+\/metrics \(\d+ samples\)$/);
    const redis = /^redis: redis:\/\/127\.0\.0\.1:\d+ \(started by this script, pid (\d+)\)$/.exec(
      lines[1] ?? '',
    );
    expect(redis).not.toBeNull();
    expect(lines.slice(2, 6)).toEqual(RATIOS);
    const received = /^invalidation messages received: (\d+)$/.exec(lines[6] ?? '');
    expect(Number(received?.[1])).toBeGreaterThan(0);
    expect(lines.slice(7, 11)).toEqual(SCRAPED);
    expect(lines.at(-1)).toBe(
      'stopped: both instances closed, metrics server closed, own redis-server gone',
    );
    expect(isRunning(Number(redis?.[1]))).toBe(false);
  });

  describe('with REDIS_URL', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await RedisServer.start();
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('uses that Redis, prints the same ratios and leaves no key behind', async () => {
      const { lines, stderr } = await runExample({ REDIS_URL: server.url });
      expect(stderr).toBe('');
      expect(lines[1]).toBe(`redis: ${server.url} (from REDIS_URL)`);
      expect(lines.slice(2, 6)).toEqual(RATIOS);
      expect(await command(server.port, ['DBSIZE'])).toBe(0);
    });
  });
});

describe('observability example: hit ratios from a scrape', () => {
  it('parses Prometheus text and splits the reads between the tiers', () => {
    const samples = parseSamples(
      [
        '# HELP cachestack_lookups_total Cache reads',
        '# TYPE cachestack_lookups_total counter',
        'cachestack_lookups_total{cachestack_layer="tiered",cachestack_tier="0",cachestack_result="hit"} 6',
        'cachestack_lookups_total{cachestack_layer="tiered",cachestack_tier="1",cachestack_result="hit"} 3',
        'cachestack_lookups_total{cachestack_layer="tiered",cachestack_result="miss"} 1',
        'cachestack_lookups_total{cachestack_layer="backend",cachestack_result="hit"} 99',
      ].join('\n'),
    );
    expect(samples).toHaveLength(4);
    expect(hitRatiosPerTier(samples)).toEqual([
      { tier: 'L1 memory', hits: 6, reads: 10 },
      { tier: 'L2 redis', hits: 3, reads: 4 },
    ]);
  });
});
