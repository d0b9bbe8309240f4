import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BROKEN_BUSES,
  BROKEN_FACADES,
  BROKEN_TRACING,
  BROKEN_WRAPPERS,
} from './layers/broken-facades.js';

// The layer kits (facade, invalidation bus, byte wrappers) run in a child
// vitest process against their reference implementations and one broken
// variant per rule (test/fixtures/broken-layers.fixture.ts): each reference
// passes every case, each variant fails the case about its rule.

interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  fullName: string;
  status: string;
  failureMessages: string[];
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const vitestBin = join(packageRoot, 'node_modules', '.bin', 'vitest');
let directory: string;
let results: AssertionResult[] = [];
let runOutput = '';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'conformance-layers-self-test-'));
  const outputFile = join(directory, 'report.json');
  runOutput = await new Promise<string>((resolve) => {
    execFile(
      vitestBin,
      [
        'run',
        '--config',
        'test/fixtures/vitest.fixture.config.ts',
        'broken-layers',
        '--reporter=json',
        `--outputFile=${outputFile}`,
      ],
      {
        cwd: packageRoot,
        timeout: 110_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, CI: '1' },
      },
      (error, stdout, stderr) =>
        resolve(`${error ? `exit: ${error.message}\n` : ''}${stdout}\n${stderr}`),
    );
  });
  const report = JSON.parse(await readFile(outputFile, 'utf8')) as {
    testResults: { assertionResults: AssertionResult[] }[];
  };
  results = report.testResults.flatMap((file) => file.assertionResults);
}, 120_000);

afterAll(async () => {
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

function resultsOf(suite: string): AssertionResult[] {
  return results.filter((result) => result.ancestorTitles[0] === suite);
}

const failures = (suite: string) => resultsOf(suite).filter((result) => result.status === 'failed');

describe('the layer kits catch broken implementations', () => {
  it('the fixture run reported results', () => {
    expect(
      results.length,
      `the fixture run reported nothing:\n${runOutput.slice(-4000)}`,
    ).toBeGreaterThan(0);
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
        resultsOf(reference).filter((result) => result.status === 'passed').length,
      ).toBeGreaterThan(0);
      expect(
        failures(reference).map(
          (result) => `${result.fullName}: ${result.failureMessages[0]?.split('\n')[0]}`,
        ),
      ).toEqual([]);
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
      const titles = failures(variant.suite).map((result) => result.title);
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
