import { createServer, type Server } from 'node:http';
import { createCache } from '@cachestack/cache';
import type { BaseBackend } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import {
  type CacheTestsOrigin,
  type CacheTestsRun,
  publishedCacheTestsScores,
  RedisServer,
  runCacheTests,
  startCacheTestsOrigin,
} from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReverseProxy, HttpCache } from '../src/index.js';
import {
  comparisonLines,
  readFloor,
  renderReadmeSection,
  rewriteReadmeSection,
} from './cache-tests-report.js';
import { closeServer, listen } from './support/test-app.js';

/**
 * The public HTTP caching conformance suite (http-tests/cache-tests) against
 * our reverse proxy over a memory backend and over a real Redis. CI fails when
 * the required count drops below `cache-tests-floor.json`. With
 * `UPDATE_CACHE_TESTS_README=1` (`pnpm cache-tests:readme`) the README's
 * results section is rewritten from this run.
 */
const SUITE_TIMEOUT_MS = 600_000;

let origin: CacheTestsOrigin;
let redis: RedisServer;
const runs: Array<{ label: string; run: CacheTestsRun }> = [];

async function runThroughProxy(backend: BaseBackend): Promise<CacheTestsRun> {
  const cache = createCache({ backend, namespace: 'http' });
  const httpCache = new HttpCache({ cache, targetedCacheControl: ['cdn-cache-control'] });
  const proxy = createReverseProxy({ upstream: origin.url, httpCache });
  const server: Server = createServer(proxy.listener);
  const baseUrl = await listen(server);
  try {
    return await runCacheTests(baseUrl);
  } finally {
    await closeServer(server);
    await backend.close();
  }
}

beforeAll(async () => {
  [origin, redis] = await Promise.all([startCacheTestsOrigin(), RedisServer.start()]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([origin?.stop(), redis?.destroy()]);
  if (runs.length === 2) {
    const published = await publishedCacheTestsScores();
    console.log(
      ['HTTP cache-tests, required tests passed:', ...comparisonLines(runs, published)].join(
        '\n  ',
      ),
    );
    if (process.env.UPDATE_CACHE_TESTS_README === '1') {
      await rewriteReadmeSection(renderReadmeSection(runs, published, await readFloor()));
    }
  }
}, 120_000);

describe('HTTP cache-tests conformance (reverse proxy)', () => {
  it(
    'over a memory backend passes at least the floor of required tests',
    async () => {
      const { requiredFloor } = await readFloor();
      const run = await runThroughProxy(new MemoryBackend());
      runs.push({ label: 'cachestack (memory)', run });
      expect(run.required.total).toBe(160);
      expect(
        run.required.passed,
        JSON.stringify(run.failedRequired, null, 2),
      ).toBeGreaterThanOrEqual(requiredFloor);
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    'over Redis passes at least the floor of required tests',
    async () => {
      const { requiredFloor } = await readFloor();
      const backend = new RedisBackend({ url: redis.url, namespace: `cache-tests-${process.pid}` });
      const run = await runThroughProxy(backend);
      runs.push({ label: 'cachestack (Redis)', run });
      expect(
        run.required.passed,
        JSON.stringify(run.failedRequired, null, 2),
      ).toBeGreaterThanOrEqual(requiredFloor);
    },
    SUITE_TIMEOUT_MS,
  );

  it('scores the published caches as the issue quotes them', async () => {
    const published = await publishedCacheTestsScores();
    const byName = new Map(published.map((score) => [score.name, score.requiredPassed]));
    expect(byName.get('nginx')).toBe(99);
    expect(byName.get('ATS')).toBe(132);
  }, 120_000);
});
