// Sums the vitest JSON reports of every package into one closing line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
const hasTests = (folder) =>
  JSON.parse(readFileSync(`${folder}/package.json`, 'utf8')).scripts?.test !== undefined;
const folders = [
  ...readdirSync('packages').map((name) => `packages/${name}`),
  'examples',
  'benchmarks',
];
for (const folder of folders.filter(hasTests).sort()) {
  const name = folder.replace(/^packages\//, '');
  const file = `${folder}/test-results.json`;
  if (!existsSync(file)) {
    rows.push(`  ${name}: no test report`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const skip = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += skip;
  rows.push(
    `  ${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skip} skipped`,
  );
}
console.log(`\nTest summary by package:\n${rows.join('\n')}`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
