import { describe, expect, it } from 'vitest';
import {
  BROKEN_BUSES,
  BROKEN_FACADES,
  BROKEN_TRACING,
  BROKEN_WRAPPERS,
} from './layers/broken-facades.js';
import { describeFailures, expectReportedResults, useFixtureRun } from './support/fixture-run.js';

// The layer kits (facade, invalidation bus, byte wrappers) run in a child
// vitest process against their reference implementations and one broken
// variant per rule (test/fixtures/broken-layers.fixture.ts): each reference
// passes every case, each variant fails the case about its rule.
const run = useFixtureRun(['broken-layers'], 110_000);

describe('the layer kits catch broken implementations', () => {
  it('the fixture run reported results', () => {
    expectReportedResults(run);
  });

  for (const reference of [
    'facade: reference',
    'bus: reference',
    'wrapper: reference compression',
    'wrapper: reference encryption',
    'tracing: reference',
  ]) {
    it(`the correct "${reference}" passes every case it runs`, () => {
      expect(
        run.resultsOf(reference).filter((result) => result.status === 'passed').length,
      ).toBeGreaterThan(0);
      expect(describeFailures(run.failuresOf(reference))).toEqual([]);
    });
  }

  const variants = [
    ...BROKEN_FACADES.map((broken) => ({ suite: `facade: ${broken.defect}`, ...broken })),
    ...BROKEN_BUSES.map((broken) => ({ suite: `bus: ${broken.defect}`, ...broken })),
    ...BROKEN_WRAPPERS.map((broken) => ({ suite: `wrapper: ${broken.defect}`, ...broken })),
    ...BROKEN_TRACING.map((broken) => ({ suite: `tracing: ${broken.defect}`, ...broken })),
  ];
  for (const variant of variants) {
    it(`catches "${variant.suite}" (breaks: ${variant.rule}) with the case about it, and no unrelated case`, () => {
      const titles = run.failuresOf(variant.suite).map((result) => result.title);
      const expected = [variant.caughtBy, ...(variant.alsoFails ?? [])];
      for (const part of expected) {
        expect(
          titles.filter((title) => title.includes(part)),
          `"${part}" must fail once; failed: ${JSON.stringify(titles)}`,
        ).toHaveLength(1);
      }
      expect(
        titles.length,
        `only the listed cases may fail; failed: ${JSON.stringify(titles)}`,
      ).toBe(expected.length);
    });
  }
});
