import { describe, expect, it } from 'vitest';
import { formatFinding, fuzzTarget } from '../src/fuzz-campaign.js';
import { MUTANTS, referenceTarget } from './support/mutants.js';

// The checker itself: silent on a correct backend, and each planted defect is
// found, classified and shrunk to a short replayable sequence.
describe('the fuzz checker', () => {
  it('finds nothing wrong with the (contract-complete) reference backend', async () => {
    const report = await fuzzTarget(referenceTarget, { seed: 1, sequences: 4, length: 400 });
    expect(report.findings.map(formatFinding)).toEqual([]);
    expect(report.rejectedInvalid).toBeGreaterThan(200);
  });

  it.each(MUTANTS.map((mutant) => [mutant.target.name, mutant] as const))(
    'reports a backend that %s, shrunk to a short sequence',
    async (_name, mutant) => {
      const report = await fuzzTarget(mutant.target, { seed: 1, sequences: 4, length: 400 });
      const finding = report.findings.find((f) => f.violation.kind === mutant.kind);
      expect(finding, JSON.stringify(report.violations)).toBeDefined();
      const text = formatFinding(finding!);
      expect(text).toContain('RELIABILITY_SEED=1');
      expect(finding!.shortest.length, text).toBeLessThanOrEqual(4);
      console.log(text);
    },
  );
});
