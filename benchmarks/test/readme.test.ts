import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { outsideSpread } from '../src/compare.mjs';
import {
  BEGIN_MARKER,
  END_MARKER,
  PACKAGE_BLOCKS,
  README_FILES,
  readReport,
  renderClaims,
  renderPackageBlock,
  replaceSection,
} from '../src/readme.mjs';

const meta = {
  date: '2026-12-01T10:00:00.000Z',
  node: 'v20.20.2',
  cpus: '2 × test CPU',
  loadBefore: [0.5, 0.6, 0.7],
  scale: 1,
  rounds: 20,
};

const row = (fields: Record<string, unknown>) => ({
  kind: 'ours',
  family: 'memory',
  size: 100,
  operation: 'get hit',
  input: 'Buffer',
  ...fields,
});

describe('README claims from the report', () => {
  it('quotes each ratio with its spread, the inputs and a verdict that follows the spread', () => {
    const text = renderClaims({
      meta,
      rows: [
        row({
          id: 'memory',
          label: 'MemoryBackend',
          peerSpeedup: 3.2,
          peerSpread: [2.9, 3.4],
          peerLabel: 'Keyv (memory)',
          peerInput: 'string',
        }),
        row({
          id: 'facade-memory',
          label: 'facade',
          input: 'string',
          peerSpeedup: 0.6,
          peerSpread: [0.5, 0.7],
          peerLabel: 'cacheable (memory)',
          peerInput: 'string',
        }),
        row({
          id: 'redis',
          family: 'redis',
          label: 'RedisBackend',
          peerSpeedup: 1.05,
          peerSpread: [0.9, 1.2],
          peerLabel: 'Keyv + @keyv/redis',
          peerInput: 'string',
        }),
        row({
          id: 'sqlite',
          family: 'sqlite',
          operation: 'set',
          label: 'SqliteBackend',
          floorRatio: 4,
          floorSpread: [3.5, 5],
          floorLabel: 'plain table',
          floorTarget: 1.3,
        }),
      ],
    });
    expect(text).toContain('run of 2026-12-01');
    expect(text).toContain(
      'MemoryBackend (get hit, 100 B, given Buffers): 3.20× (rounds 2.90–3.40) the speed of the fastest peer, Keyv (memory) (given strings) — faster than it.',
    );
    expect(text).toContain('facade (get hit, 100 B, given strings): 0.60× (rounds 0.50–0.70)');
    expect(text).toContain('— slower than it.');
    expect(text).toContain(
      "1.05× (rounds 0.90–1.20) the speed of the fastest peer, Keyv + @keyv/redis (given strings) — within this run's noise of it.",
    );
    expect(text).toContain(
      'SqliteBackend (set, 100 B, given Buffers): 4.00× (rounds 3.50–5.00) the time of its floor, plain table (target ≤ 1.30×: missed).',
    );
  });

  it('says there is no report rather than keeping old figures', () => {
    const text = renderClaims(undefined);
    expect(text).toContain('no report from the current method yet');
    expect(text).not.toMatch(/\d×/);
  });

  it('rewrites only the marked section and refuses a file without markers', () => {
    const before = `# T\n\nintro\n${BEGIN_MARKER}\nold claim 20×\n${END_MARKER}\n\nafter\n`;
    const after = replaceSection(before, '- new');
    expect(after).toBe(`# T\n\nintro\n${BEGIN_MARKER}\n- new\n${END_MARKER}\n\nafter\n`);
    expect(replaceSection(after, '- new')).toBe(after);
    expect(() => replaceSection('# no markers', '- new')).toThrow(/no <!-- bench:begin/);
  });

  it('README.md holds exactly what the script generates from the committed report', async () => {
    const readme = await readFile(README_FILES[0] as string, 'utf8');
    const expected = replaceSection(readme, renderClaims(await readReport()));
    expect(readme).toBe(expected);
    // No benchmark figure outside the generated section.
    const outside =
      readme.slice(0, readme.indexOf(BEGIN_MARKER)) + readme.slice(readme.indexOf(END_MARKER));
    expect(outside).not.toMatch(/\d(\.\d+)?× (as fast|the speed)/);
  });
});

describe('package README performance blocks from the report', () => {
  it('lists only the rows of the given ids, each ratio with its spread and the peer input', () => {
    const text = renderPackageBlock(
      {
        meta: { ...meta, keys: 10_000 },
        rows: [
          row({
            id: 'memory',
            label: 'MemoryBackend',
            opsPerSec: 2_474_481.4,
            floorRatio: 2.02,
            floorSpread: [1.99, 2.27],
            floorLabel: 'lru-cache (awaited)',
            peerSpeedup: 4.05,
            peerSpread: [3.25, 4.35],
            peerLabel: 'Keyv (memory)',
            peerInput: 'string',
          }),
          row({ id: 'facade-memory', label: 'facade', opsPerSec: 1 }),
        ],
      },
      ['memory'],
    );
    expect(text).toContain('run of 2026-12-01');
    expect(text).toContain(
      '| 100 B | get hit | MemoryBackend | Buffer | 2,474,481 | 2.02× (1.99–2.27) (lru-cache (awaited)) | 4.05× (3.25–4.35) (Keyv (memory), given strings) |',
    );
    expect(text).not.toContain('| facade |');
    expect(renderPackageBlock(undefined, ['memory'])).not.toMatch(/\d×/);
  });

  it('each package README holds what the script generates, and no typed figure in its Performance section', async () => {
    const report = await readReport();
    for (const { file, ids } of PACKAGE_BLOCKS) {
      const readme = await readFile(file, 'utf8');
      expect(readme, file).toBe(replaceSection(readme, renderPackageBlock(report, ids)));
      const start = readme.indexOf('## Performance');
      expect(start, file).toBeGreaterThan(-1);
      const next = readme.indexOf('\n## ', start + 1);
      const section = readme.slice(start, next === -1 ? undefined : next);
      const outside =
        section.slice(0, section.indexOf(BEGIN_MARKER)) +
        section.slice(section.indexOf(END_MARKER));
      expect(outside, file).not.toMatch(/\d(\.\d+)?×|\d\s?(µs|ms|ns)\b|[\d,]+ ?(ops|gets|sets)\/s/);
    }
  });
});

describe('a ratio outside its own round-by-round range', () => {
  const redisRow = row({
    id: 'redis',
    family: 'redis',
    label: 'RedisBackend',
    opsPerSec: 11_568,
    peerSpeedup: 0.37,
    peerSpread: [0.78, 1.05],
    peerLabel: 'Keyv + @keyv/redis',
    peerInput: 'string',
  });

  it('is marked, with the note, in the README claims and the package block', () => {
    const claims = renderClaims({ meta, rows: [redisRow] });
    expect(claims).toContain('0.37× † (rounds 0.78–1.05)');
    expect(claims).toContain('read the range rather than the single figure');
    const block = renderPackageBlock({ meta, rows: [redisRow] }, ['redis']);
    expect(block).toContain('0.37× † (0.78–1.05)');
    expect(block).toContain('read the range rather than the single figure');
  });

  it('is compared as printed, and a ratio inside its range carries no mark', () => {
    expect(outsideSpread(0.081, [0.04, 0.078])).toBe(false);
    expect(outsideSpread(1.35, [1.11, 1.31])).toBe(true);
    expect(outsideSpread(1.2, undefined)).toBe(false);
    const inside = renderClaims({ meta, rows: [{ ...redisRow, peerSpeedup: 0.9 }] });
    expect(inside).not.toContain('†');
  });
});
