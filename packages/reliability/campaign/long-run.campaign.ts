import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { formatFinding } from '../src/fuzz-campaign.js';
import { knobsFromEnvironment, runLongCampaign } from '../src/long-campaign.js';
import { renderReliabilityReport } from '../src/report.js';

// The long run: knobs from RELIABILITY_KILLS, RELIABILITY_SOAK_MS,
// RELIABILITY_FUZZ_LENGTH and RELIABILITY_SEED (default: 1,000 kills, a
// 10-minute soak, rotating seeds). It rewrites docs/reliability.md from the
// run's figures, then fails if the run found anything.
const REPORT = fileURLToPath(new URL('../../../docs/reliability.md', import.meta.url));

it('long reliability campaign', async () => {
  const knobs = knobsFromEnvironment();
  const run = await runLongCampaign(knobs, (line) => console.log(line));
  await writeFile(REPORT, renderReliabilityReport(run));
  console.log(`wrote ${REPORT}`);
  for (const kill of run.kills) {
    expect(kill.lost, `${kill.adapter}: lost acknowledged entries`).toEqual([]);
    expect(kill.corrupt, `${kill.adapter}: corrupt entries`).toEqual([]);
    expect(kill.errors, `${kill.adapter}: errors`).toEqual([]);
  }
  expect(run.soak.findings.map(formatFinding)).toEqual([]);
  expect(run.disk.error).toBeUndefined();
});
