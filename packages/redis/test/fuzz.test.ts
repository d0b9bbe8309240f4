import { type FuzzReport, fuzzBackend } from '@cachestack/conformance';
import { RedisCluster, RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend, type RedisBackendOptions } from '../src/index.js';

const MAX_VALUE_BYTES = 2 * 1024 * 1024;
const CALLS = 2_500;
let server: RedisServer;
let cluster: RedisCluster;

beforeAll(async () => {
  [server, cluster] = await Promise.all([RedisServer.start(), RedisCluster.start(3)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.destroy(), cluster?.destroy()]);
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

// Seeded random calls over every method (issue 22, item 7) against a real
// redis-server: every rejection must be a classified BackendError, never
// UNKNOWN or a raw error, and a rejected call must change nothing.
describe('fuzz', () => {
  const configurations: [string, () => RedisBackendOptions][] = [
    ['standalone, coalesced gets and sets', () => ({ url: server.url })],
    [
      'standalone, one command per call',
      () => ({ url: server.url, coalesceGets: false, coalesceSets: false }),
    ],
    ['cluster of 3', () => ({ cluster: { nodes: cluster.nodes } })],
  ];
  for (const [index, [label, connection]] of configurations.entries()) {
    const seed = 100 + index;
    it(`${label}, seed ${seed}: ${CALLS} random calls break no rule`, async () => {
      await using backend = new RedisBackend({
        ...connection(),
        namespace: `fuzz-${seed}-${process.pid}`,
        maxValueBytes: MAX_VALUE_BYTES,
      });
      const report = await fuzzBackend(backend, {
        seed,
        calls: CALLS,
        capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
        maxValueBytes: MAX_VALUE_BYTES,
      });
      expectNoIssues(report);
    }, 120_000);
  }
});
