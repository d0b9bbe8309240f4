import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFuzzInputs } from '@cachestack/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { killCampaign } from '../src/kill-campaign.js';
import { once } from '../src/once.js';
import { seedFromEnvironment } from '../src/seed.js';

// Writer processes (1, 2 and 4 at a time) killed with SIGKILL at random points
// while they write; a fresh backend then checks every acknowledged entry.
const seed = seedFromEnvironment();
const ROUNDS = 15;

describe.each(['file', 'sqlite'] as const)(
  `kill -9 during writes: %s (seed ${seed})`,
  (adapter) => {
    let dir: string | undefined;
    const campaign = once(async () => {
      dir = await mkdtemp(join(tmpdir(), `cachestack-kill-${adapter}-`));
      const report = await killCampaign({
        adapter,
        dir,
        rounds: ROUNDS,
        random: createFuzzInputs(seed),
      });
      const { lost, corrupt, ...summary } = report;
      console.log(JSON.stringify({ ...summary, lost: lost.length, corrupt: corrupt.length }));
      return report;
    });
    afterAll(async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it('killed writers in the middle of acknowledged writes', async () => {
      const report = await campaign();
      expect(report.kills).toBe(35); // 15 rounds of 1, 2 and 4 writers
      expect(report.acknowledged).toBeGreaterThan(report.kills);
    }, 150_000);

    it('loses no acknowledged entry', async () => {
      const report = await campaign();
      expect(report.lost).toEqual([]);
    }, 150_000);

    it('never returns a corrupt entry (every value is one a writer wrote, byte for byte)', async () => {
      const report = await campaign();
      expect(report.corrupt).toEqual([]);
    }, 150_000);

    it('reopens, lists and checks the store without an error or a counted corrupt entry', async () => {
      const report = await campaign();
      expect(report.errors).toEqual([]);
    }, 150_000);
  },
);
