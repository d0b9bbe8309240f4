// Renders the results as a horizontal bar chart (ops/s, log scale), no dependency.
import { sizeLabel } from './harness.mjs';

const COLORS = { floor: '#9aa0a6', ours: '#1a73e8', peer: '#f29900' };
const ROW = 15;
const LABEL_WIDTH = 430;
const PLOT_WIDTH = 520;
const TOP = 60;

const escapeXml = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The whole docs/benchmarks.svg: one bar per result row, grouped by family. */
export function renderSvg({ rows, meta }) {
  const maxOps = Math.max(...rows.map((r) => r.opsPerSec));
  const minOps = Math.min(...rows.map((r) => r.opsPerSec));
  const lo = 10 ** Math.floor(Math.log10(Math.max(1, minOps)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(10, maxOps)));
  const x = (ops) =>
    (PLOT_WIDTH * (Math.log10(Math.max(ops, lo)) - Math.log10(lo))) /
    (Math.log10(hi) - Math.log10(lo));
  const parts = [];
  let y = TOP;
  let family;
  for (const row of rows) {
    if (row.family !== family) {
      family = row.family;
      y += 10;
      parts.push(`<text x="8" y="${y + 10}" font-weight="bold">${escapeXml(family)}</text>`);
      y += ROW;
    }
    const label = `${sizeLabel(row.size)} · ${row.operation} · ${row.label}`;
    const width = Math.max(1, x(row.opsPerSec));
    parts.push(
      `<text x="${LABEL_WIDTH - 6}" y="${y + 11}" text-anchor="end">${escapeXml(label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${width.toFixed(1)}" height="${ROW - 4}" fill="${COLORS[row.kind]}"/>`,
      `<text x="${(LABEL_WIDTH + width + 4).toFixed(1)}" y="${y + 11}">${Math.round(row.opsPerSec).toLocaleString('en-US')}</text>`,
    );
    y += ROW;
  }
  const height = y + 30;
  const width = LABEL_WIDTH + PLOT_WIDTH + 90;
  const grid = [];
  for (let tick = lo; tick <= hi; tick *= 10) {
    const gx = LABEL_WIDTH + x(tick);
    grid.push(
      `<line x1="${gx.toFixed(1)}" y1="${TOP}" x2="${gx.toFixed(1)}" y2="${y}" stroke="#e0e0e0"/>`,
      `<text x="${gx.toFixed(1)}" y="${y + 16}" text-anchor="middle">${tick >= 1e6 ? `${tick / 1e6}M` : tick >= 1e3 ? `${tick / 1e3}k` : tick}</text>`,
    );
  }
  const legend = Object.entries(COLORS).map(
    ([kind, color], i) =>
      `<rect x="${LABEL_WIDTH + i * 90}" y="34" width="12" height="12" fill="${color}"/><text x="${LABEL_WIDTH + i * 90 + 16}" y="44">${kind}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    '<title id="title">cachestack benchmarks: operations per second of every implementation, log scale</title>',
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">cachestack benchmarks: ops/s (log scale, higher is better)</text>`,
    `<text x="8" y="44">Node ${escapeXml(meta.node)}, load ${meta.loadBefore.map((n) => n.toFixed(2)).join('/')}, ${escapeXml(meta.date)}</text>`,
    ...legend,
    ...grid,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
