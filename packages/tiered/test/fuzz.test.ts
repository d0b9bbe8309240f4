import { type FuzzReport, fuzzBackend } from '@cachestack/conformance';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TieredBackend } from '../src/index.js';

const MAX_VALUE_BYTES = 2 * 1024 * 1024;
const CALLS = 2_500;
let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
}, 60_000);
afterAll(async () => {
  await server?.destroy();
});

function expectNoIssues(report: FuzzReport): void {
  const kinds = new Map(
    report.issues.map((issue) => [`${issue.operation}: ${issue.problem}`, issue]),
  );
  expect([...kinds.values()], `${report.issues.length} issues`).toEqual([]);
  expect(report.calls).toBeGreaterThan(CALLS); // the sweep of every invalid input, then CALLS random ones
  // The inputs really were mixed: many calls resolved, many were refused.
  expect(report.resolved).toBeGreaterThan(CALLS / 4);
  expect(report.rejections['PERMANENT/INVALID_VALUE']).toBeGreaterThan(0);
  expect(report.rejections['PERMANENT/INVALID_KEY']).toBeGreaterThan(0);
}

async function fuzz(backend: TieredBackend, seed: number): Promise<void> {
  const report = await fuzzBackend(backend, {
    seed,
    calls: CALLS,
    capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
    maxValueBytes: MAX_VALUE_BYTES,
  });
  expectNoIssues(report);
}

// Seeded random calls over every method (issue 22, item 7): every rejection
// must be a classified BackendError, never UNKNOWN or a raw error, and a
// rejected call must change nothing in any tier (read back through the cache).
describe('fuzz', () => {
  it(`tiered(memory, memory), seed 200: ${CALLS} random calls break no rule`, async () => {
    await using backend = new TieredBackend({
      tiers: [
        { backend: new MemoryBackend({ maxValueBytes: MAX_VALUE_BYTES }) },
        { backend: new MemoryBackend({ maxValueBytes: MAX_VALUE_BYTES }) },
      ],
    });
    await fuzz(backend, 200);
  }, 120_000);

  it(`tiered(memory, redis), seed 201: ${CALLS} random calls break no rule`, async () => {
    await using backend = new TieredBackend({
      tiers: [
        { backend: new MemoryBackend({ maxValueBytes: MAX_VALUE_BYTES }) },
        {
          backend: new RedisBackend({
            url: server.url,
            namespace: `fuzz-201-${process.pid}`,
            maxValueBytes: MAX_VALUE_BYTES,
          }),
        },
      ],
    });
    await fuzz(backend, 201);
  }, 120_000);
});
