import type { ViolationKind } from '@cachestack/conformance';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFinding, fuzzTarget } from '../src/fuzz-campaign.js';
import { fuzzTargets } from '../src/fuzz-targets.js';
import { once } from '../src/once.js';
import { seedFromEnvironment } from '../src/seed.js';

// Seeded random calls over every adapter, checked against the reference
// model (issue 22: "fuzzes every adapter with a seeded generator and checks a
// reference model"). RELIABILITY_SEED=<n> replays a run; a failure prints the
// seed and the shortest failing sequence.
const seed = seedFromEnvironment();
const SEQUENCES = 10;
const LENGTH = 600;
/** Limit of the test that runs an adapter's campaign (the first of its group), in ms. */
const CAMPAIGN_MS = 150_000;

const server = await RedisServer.start();
afterAll(() => server.destroy());

const targets = fuzzTargets(server.url).map((target) => [target.name, target] as const);

describe.each(targets)(`fuzz %s (seed ${seed})`, (_name, target) => {
  // One campaign per adapter, shared by its tests (each asserts one rule).
  const campaign = once(async () => {
    const report = await fuzzTarget(target, { seed, sequences: SEQUENCES, length: LENGTH });
    const { findings, ...summary } = report;
    console.log(JSON.stringify(summary));
    return report;
  });
  const found = async (...kinds: ViolationKind[]) =>
    (await campaign()).findings
      .filter((finding) => kinds.includes(finding.violation.kind))
      .map(formatFinding);

  it(
    'rejects only with classified BackendErrors: no raw error, no UNKNOWN, no hang',
    async () => {
      expect(await found('unclassified', 'unknown', 'hang')).toEqual([]);
    },
    CAMPAIGN_MS,
  );

  it(
    'rejects every invalid key, value, TTL, prefix and option with its PERMANENT code',
    async () => {
      expect(await found('accepted-invalid', 'wrong-code')).toEqual([]);
    },
    CAMPAIGN_MS,
  );

  it(
    'changes nothing on a rejected call',
    async () => {
      expect(await found('changed-on-reject')).toEqual([]);
    },
    CAMPAIGN_MS,
  );

  it(
    'agrees with the reference model on every valid call (expiry within a clock margin)',
    async () => {
      expect(await found('model-mismatch', 'unexpected-rejection', 'health')).toEqual([]);
    },
    CAMPAIGN_MS,
  );

  it(
    'made every call it planned, a good share of them invalid',
    async () => {
      const report = await campaign();
      expect(report.calls).toBeGreaterThanOrEqual(SEQUENCES * LENGTH * 0.9);
      expect(report.rejectedInvalid).toBeGreaterThan(SEQUENCES * LENGTH * 0.1);
    },
    CAMPAIGN_MS,
  );
});
