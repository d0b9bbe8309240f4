import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_VARIANTS } from './broken-backends.js';

interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  fullName: string;
  status: string;
  failureMessages: string[];
}
interface JsonReport {
  testResults: { name: string; assertionResults: AssertionResult[] }[];
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const vitestBin = join(packageRoot, 'node_modules', '.bin', 'vitest');
let directory: string;
let results: AssertionResult[] = [];
let runOutput = '';

function resultsOf(suite: string): AssertionResult[] {
  return results.filter((result) => result.ancestorTitles[0] === suite);
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'conformance-self-test-'));
  const outputFile = join(directory, 'report.json');
  runOutput = await new Promise<string>((resolve) => {
    execFile(
      vitestBin,
      [
        'run',
        '--config',
        'test/fixtures/vitest.fixture.config.ts',
        'broken-backends',
        'reference.fixture',
        '--reporter=json',
        `--outputFile=${outputFile}`,
      ],
      {
        cwd: packageRoot,
        timeout: 170_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, CI: '1' },
      },
      (error, stdout, stderr) =>
        resolve(`${error ? `exit: ${error.message}\n` : ''}${stdout}\n${stderr}`),
    );
  });
  const report = JSON.parse(await readFile(outputFile, 'utf8')) as JsonReport;
  results = report.testResults.flatMap((file) => file.assertionResults);
}, 180_000);

afterAll(async () => {
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

describe('the kit catches broken backends', () => {
  it('the fixture run reported results', () => {
    expect(
      results.length,
      `the fixture run reported nothing:\n${runOutput.slice(-4000)}`,
    ).toBeGreaterThan(0);
  });

  it('the correct reference backend passes every case in the same run', () => {
    const reference = resultsOf('reference');
    const failed = reference.filter((result) => result.status === 'failed');
    expect(reference.length, 'the reference suite must have run').toBeGreaterThan(100);
    expect(
      failed.map((result) => `${result.fullName}: ${result.failureMessages[0]?.split('\n')[0]}`),
      'the reference backend must pass every case',
    ).toEqual([]);
  });

  it('reports unclaimed capabilities and missing hooks as skipped, with the reason in the name', () => {
    const suite = resultsOf('reference claiming nothing');
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
    const suite = resultsOf("broken: claims 'batch' without having it");
    const messages = suite.flatMap((result) => result.failureMessages).join('\n');
    expect(messages).toContain(
      "claims the 'batch' capability but does not implement getMany(), setMany(), deleteMany()",
    );
  });

  for (const variant of BROKEN_VARIANTS) {
    it(`catches "${variant.name}" (breaks: ${variant.rule})`, () => {
      const own = resultsOf(variant.name);
      expect(own.length, `no results for ${variant.name}`).toBeGreaterThan(0);
      const failed = own.filter((result) => result.status === 'failed');
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
