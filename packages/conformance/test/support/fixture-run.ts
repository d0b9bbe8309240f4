import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';

/** One test's outcome in vitest's JSON report. */
export interface AssertionResult {
  /** The describe titles around the test, outermost first (the first is the suite). */
  ancestorTitles: string[];
  title: string;
  fullName: string;
  status: string;
  failureMessages: string[];
}

/** What a child vitest run of the self-test fixtures reported (filled in by `beforeAll`). */
export interface FixtureRun {
  /** Every test's outcome, in report order. */
  readonly results: AssertionResult[];
  /** The child's exit error, stdout and stderr, for a message when it reported nothing. */
  readonly output: string;
  /** The outcomes of the tests whose outermost describe is `suite`. */
  resultsOf(suite: string): AssertionResult[];
  /** The failed outcomes of `suite`. */
  failuresOf(suite: string): AssertionResult[];
}

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
const vitestBin = join(packageRoot, 'node_modules', '.bin', 'vitest');

/**
 * Registers hooks that run the fixture files matching `filters` (vitest file
 * filters under test/fixtures, with test/fixtures/vitest.fixture.config.ts)
 * in a child vitest process before the tests of this file, reading its JSON
 * report from a temporary directory removed afterwards. The fixtures are
 * expected to fail, so the child's exit status is kept for the message only.
 * @param timeoutMs - the child's time limit in ms; the hook gets 10 s more.
 */
export function useFixtureRun(filters: readonly string[], timeoutMs: number): FixtureRun {
  let directory: string | undefined;
  let results: AssertionResult[] = [];
  let output = '';

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'conformance-self-test-'));
    const outputFile = join(directory, 'report.json');
    output = await new Promise<string>((resolve) => {
      execFile(
        vitestBin,
        [
          'run',
          '--config',
          'test/fixtures/vitest.fixture.config.ts',
          ...filters,
          '--reporter=json',
          `--outputFile=${outputFile}`,
        ],
        {
          cwd: packageRoot,
          timeout: timeoutMs,
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
  }, timeoutMs + 10_000);

  afterAll(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  const resultsOf = (suite: string): AssertionResult[] =>
    results.filter((result) => result.ancestorTitles[0] === suite);
  return {
    get results() {
      return results;
    },
    get output() {
      return output;
    },
    resultsOf,
    failuresOf: (suite) => resultsOf(suite).filter((result) => result.status === 'failed'),
  };
}

/** Asserts that the fixture run reported some outcome, showing the end of its output if not. */
export function expectReportedResults(run: FixtureRun): void {
  expect(
    run.results.length,
    `the fixture run reported nothing:\n${run.output.slice(-4000)}`,
  ).toBeGreaterThan(0);
}

/** `full name: first line of the failure message` for each outcome, for a readable diff. */
export function describeFailures(failures: readonly AssertionResult[]): string[] {
  return failures.map(
    (result) => `${result.fullName}: ${result.failureMessages[0]?.split('\n')[0]}`,
  );
}
