// `pnpm --filter @cachestack/benchmarks render`: re-renders docs/benchmarks.md,
// docs/benchmarks.svg and the README bench blocks from an existing report
// JSON, without measuring anything (after a change to how the report is
// written). Usage: node src/render-report.mjs [report.json] (default
// benchmarks/results/latest.json; the README blocks are only rewritten from
// that default report).
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPORT_JSON, updateReadmes } from './readme.mjs';
import { renderMarkdown } from './report-markdown.mjs';
import { renderSvg } from './report-svg.mjs';

/** Where docs/benchmarks.md and its SVG live. */
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

/**
 * Writes `benchmarks.md` and `benchmarks.svg` into `outDir` from the report
 * at `reportPath`, and the README blocks when that is the published report.
 */
export async function renderReport(reportPath = REPORT_JSON, outDir = DOCS) {
  const report = JSON.parse(await readFile(reportPath, 'utf8'));
  await writeFile(resolve(outDir, 'benchmarks.md'), renderMarkdown(report));
  await writeFile(resolve(outDir, 'benchmarks.svg'), renderSvg(report));
  if (resolve(reportPath) === resolve(REPORT_JSON)) await updateReadmes(REPORT_JSON);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await renderReport(process.argv[2] ?? REPORT_JSON);
}
