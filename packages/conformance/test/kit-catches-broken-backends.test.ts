import { describe, expect, it } from 'vitest';
import { BROKEN_VARIANTS } from './broken-backends.js';
import { describeFailures, expectReportedResults, useFixtureRun } from './support/fixture-run.js';

// The backend kit runs in a child vitest process against the reference
// backend and the broken variants (test/fixtures/broken-backends-*.fixture.ts,
// reference.fixture.ts).
const run = useFixtureRun(['broken-backends', 'reference.fixture'], 170_000);

describe('the kit catches broken backends', () => {
  it('the fixture run reported results', () => {
    expectReportedResults(run);
  });

  it('the correct reference backend passes every case in the same run', () => {
    expect(run.resultsOf('reference').length, 'the reference suite must have run').toBeGreaterThan(
      100,
    );
    expect(
      describeFailures(run.failuresOf('reference')),
      'the reference backend must pass every case',
    ).toEqual([]);
  });

  it('reports unclaimed capabilities and missing hooks as skipped, with the reason in the name', () => {
    const suite = run.resultsOf('reference claiming nothing');
    const ran = suite.filter((result) => result.status === 'passed');
    const failed = suite.filter((result) => result.status === 'failed');
    expect(
      failed.map((result) => result.fullName),
      'a backend claiming nothing must not fail',
    ).toEqual([]);
    expect(
      ran.every((result) => result.ancestorTitles[1] === 'health'),
      'only the health group may run',
    ).toBe(true);
    for (const capability of ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys']) {
      const skipped = suite.filter((result) =>
        result.ancestorTitles[1]?.includes(
          `(skipped: '${capability}' not claimed by this backend)`,
        ),
      );
      expect(
        skipped.length,
        `the '${capability}' group must be listed as skipped, not hidden`,
      ).toBeGreaterThan(0);
      expect(
        skipped.every((result) => result.status !== 'passed' && result.status !== 'failed'),
      ).toBe(true);
    }
    const hookSkips = suite.filter((result) => result.title.includes('(skipped: needs faults.'));
    expect(hookSkips.length, 'fault cases without hooks must be skipped with the hook named').toBe(
      4,
    );
  });

  it("names the missing capability when a claimed one isn't implemented", () => {
    const suite = run.resultsOf("broken: claims 'batch' without having it");
    const messages = suite.flatMap((result) => result.failureMessages).join('\n');
    expect(messages).toContain(
      "claims the 'batch' capability but does not implement getMany(), setMany(), deleteMany()",
    );
  });

  for (const variant of BROKEN_VARIANTS) {
    it(`catches "${variant.name}" (breaks: ${variant.rule})`, () => {
      expect(run.resultsOf(variant.name).length, `no results for ${variant.name}`).toBeGreaterThan(
        0,
      );
      const failed = run.failuresOf(variant.name);
      expect(
        failed.length,
        `the kit must fail at least one case for a backend that breaks "${variant.rule}"`,
      ).toBeGreaterThan(0);
      if (variant.caughtBy !== undefined) {
        expect(
          failed.map((result) => result.title).filter((title) => title.includes(variant.caughtBy!)),
          `the case about "${variant.rule}" ("${variant.caughtBy}…") must be among the failures`,
        ).toHaveLength(1);
      }
    });
  }
});
