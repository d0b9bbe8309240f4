import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS, sizeLabel, VALUE_SIZES } from '../src/harness.mjs';
import { rowPrefix } from '../src/report-markdown.mjs';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../src/run-benchmarks.mjs', import.meta.url));
const docs = fileURLToPath(new URL('../../docs/', import.meta.url));

/** Every row the report must contain: [label, operations] per system. */
const EXPECTED: [string, readonly string[]][] = [
  ['lru-cache (awaited)', OPERATIONS],
  ['lru-cache + Buffer copies (awaited)', OPERATIONS],
  ['better-sqlite3 plain key/value table', OPERATIONS],
  ['ioredis getBuffer/set, sequential', OPERATIONS],
  ['ioredis getBuffer/set, sequential, auto-pipelining on', OPERATIONS],
  ['ioredis, 100 concurrent, no auto-pipelining', OPERATIONS],
  ['ioredis, 100 concurrent, auto-pipelined', OPERATIONS],
  ['fs readFile / writeFile+rename', OPERATIONS],
  ['@cachestack/memory MemoryBackend', OPERATIONS],
  ['@cachestack/cache over MemoryBackend', OPERATIONS],
  ['@cachestack/cache over RedisBackend, sequential', OPERATIONS],
  ['@cachestack/cache over tiered memory+Redis', OPERATIONS],
  ['@cachestack/cache getOrSet hit (memory)', ['get hit']],
  ['@cachestack/cache getOrSet hit (memory, object tier)', ['get hit']],
  ['@cachestack/file FileBackend', OPERATIONS],
  ['@cachestack/sqlite SqliteBackend', OPERATIONS],
  ['@cachestack/redis RedisBackend, sequential', OPERATIONS],
  ['@cachestack/redis RedisBackend, 100 concurrent', OPERATIONS],
  ['@cachestack/tiered memory+Redis (get hit = L1 hit)', OPERATIONS],
  ['@cachestack/tiered memory+Redis, L1 miss / L2 hit', ['get hit']],
  ['Keyv (memory)', OPERATIONS],
  ['cache-manager 7 (Keyv memory)', OPERATIONS],
  ['cacheable (memory)', OPERATIONS],
  ['bentocache (memory)', OPERATIONS],
  ['bentocache (memory, serialize: false)', OPERATIONS],
  ['cache-manager 7 wrap hit', ['get hit']],
  ['cacheable getOrSet hit', ['get hit']],
  ['bentocache getOrSet hit (memory)', ['get hit']],
  ['Keyv + @keyv/redis, sequential', OPERATIONS],
  ['Keyv + @keyv/redis, 100 concurrent', OPERATIONS],
  ['bentocache (memory+Redis)', OPERATIONS],
  ['bentocache (memory+Redis, L1 serialize: false)', OPERATIONS],
];

/** The input column each kind of row must show. */
const INPUT_OF: Record<string, string> = {
  '@cachestack/memory MemoryBackend': 'Buffer',
  '@cachestack/cache over MemoryBackend': 'string',
  'lru-cache (awaited)': 'Buffer',
  'Keyv (memory)': 'string',
  'cache-manager 7 (Keyv memory)': 'string',
  'cacheable (memory)': 'string',
  'bentocache (memory)': 'string',
  'bentocache (memory, serialize: false)': 'string',
  'Keyv + @keyv/redis, sequential': 'string',
  '@cachestack/redis RedisBackend, sequential': 'Buffer',
};

describe('benchmark harness (smoke, tiny counts)', () => {
  let outDir: string;
  let markdown: string;
  let svg: string;
  let report: {
    rows: { id: string; input: string }[];
    serverLimits: { label: string; opsPerSec: number }[];
    scaling: { id: string; count: number; first: { us: number } }[];
  };

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'cachestack-bench-smoke-'));
    await run(process.execPath, [script], {
      env: {
        ...process.env,
        BENCH_SCALE: '0.001',
        BENCH_ROUNDS: '2',
        BENCH_KEYS: '200',
        BENCH_SCALING_KEYS: '200,400',
        BENCH_OUT_DIR: outDir,
        BENCH_JSON: '',
      },
      timeout: 110_000,
    });
    markdown = await readFile(join(outDir, 'benchmarks.md'), 'utf8');
    svg = await readFile(join(outDir, 'benchmarks.svg'), 'utf8');
    report = JSON.parse(await readFile(join(outDir, 'benchmarks.json'), 'utf8'));
  }, 120_000);

  afterAll(async () => {
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  });

  it('writes into the configured directory, not docs/', () => {
    expect(outDir.startsWith(docs)).toBe(false);
    expect(markdown.startsWith('# Benchmarks')).toBe(true);
  });

  it('has a Markdown row with a positive ops/s for every implementation, size and operation', () => {
    const lines = markdown.split('\n');
    for (const [label, operations] of EXPECTED) {
      for (const size of VALUE_SIZES) {
        for (const operation of operations) {
          const prefix = rowPrefix(size, operation, label);
          const line = lines.find((candidate) => candidate.startsWith(`${prefix} `));
          expect(line, prefix).toBeDefined();
          const cells = line?.split('|').map((cell) => cell.trim()) ?? [];
          const opsPerSec = Number(cells[6]?.replaceAll(',', ''));
          expect(opsPerSec, prefix).toBeGreaterThan(0);
          if (INPUT_OF[label] !== undefined) expect(cells[5], prefix).toBe(INPUT_OF[label]);
        }
      }
    }
  });

  it('reports ratios, the memory footprint and the machine load', () => {
    expect(markdown).toContain('## Key ratios');
    expect(markdown).toMatch(
      /\| memory get hit, time vs awaited lru-cache \| \d+\.\d\d× \(\d+\.\d\d–\d+\.\d\d\) \|/,
    );
    expect(markdown).toMatch(
      /\| 100 B \| @cachestack\/memory MemoryBackend \| [\d,]+ \| [\d,]+ \|/,
    );
    expect(markdown).toMatch(/\| 100 B \| lru-cache \| [\d,]+ \| [\d,]+ \|/);
    expect(markdown).toMatch(/load average \(1\/5\/15 min\) \d/);
    expect(markdown).toContain('@keyv/sqlite is not installed');
  });

  it('measures the server limit with redis-benchmark, with and without pipelining', () => {
    for (const run of [
      'redis-benchmark, 1 connection',
      'redis-benchmark, 100 connections',
      'redis-benchmark, 100 connections, pipelined (-P 16)',
    ]) {
      for (const size of VALUE_SIZES) {
        for (const operation of ['get hit', 'set']) {
          expect(markdown).toMatch(
            new RegExp(
              `\\| ${sizeLabel(size)} \\| ${operation} \\| ${run.replace(/[()]/g, '\\$&')} \\| [\\d,]+ \\| [\\d,]+ \\(`,
            ),
          );
        }
      }
    }
    expect(report.serverLimits.every((limit) => limit.opsPerSec > 0)).toBe(true);
  });

  it('reports scaling at each key count and the first-read experiment', () => {
    expect(markdown).toContain('## Scaling (100-byte values)');
    expect(markdown).toContain('### The first read after a write (memory)');
    for (const id of ['memory', 'lru-cache-copy', 'sqlite', 'better-sqlite3', 'exp-promote-own']) {
      expect(report.scaling.filter((r) => r.id === id).map((r) => r.count)).toEqual([200, 400]);
    }
    expect(report.scaling.every((r) => r.first.us > 0)).toBe(true);
    expect(markdown).toMatch(/At 400 keys MemoryBackend's first get after a write took [\d.]+ µs/);
  });

  it("writes the report JSON with each row's input", () => {
    const input = (id: string) => report.rows.find((row) => row.id === id)?.input;
    expect(input('keyv-memory')).toBe('string');
    expect(input('bentocache-tiered-raw')).toBe('string');
    expect(input('memory')).toBe('Buffer');
    expect(input('facade-memory')).toBe('string');
  });

  it('draws one SVG bar per Markdown row', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const rows = markdown
      .split('\n')
      .filter((line) => /^\| (100 B|10 KiB) \| (get|set|mixed)/.test(line))
      .filter((line) => !line.includes('redis-benchmark'));
    const bars = svg.match(/<rect x="\d+(\.\d+)?" y="\d+" width="[\d.]+" height="11"/g) ?? [];
    expect(bars.length).toBe(rows.length);
    for (const [label, operations] of EXPECTED) {
      for (const size of VALUE_SIZES) {
        for (const operation of operations) {
          const text = `${sizeLabel(size)} · ${operation} · ${label}`.replaceAll('&', '&amp;');
          expect(svg, text).toContain(`>${text}<`);
        }
      }
    }
  });
});

describe('BENCH_ONLY (a filtered run)', () => {
  const latest = fileURLToPath(new URL('../results/latest.json', import.meta.url));
  let tmp: string;
  let before: { latest: string; docs: string };
  let markdown: string;
  let after: { latest: string; docs: string };

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cachestack-bench-only-smoke-'));
    const snapshot = async () => ({
      latest: await readFile(latest, 'utf8'),
      docs: await readFile(join(docs, 'benchmarks.md'), 'utf8'),
    });
    before = await snapshot();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TMPDIR: tmp,
      BENCH_ONLY: 'getorset-object-tier',
      BENCH_SCALE: '0.001',
      BENCH_ROUNDS: '2',
      BENCH_KEYS: '200',
    };
    delete env.BENCH_OUT_DIR;
    delete env.BENCH_JSON;
    await run(process.execPath, [script], { env, timeout: 50_000 });
    markdown = await readFile(join(tmp, 'cachestack-bench-only', 'benchmarks.md'), 'utf8');
    after = await snapshot();
  }, 60_000);

  afterAll(async () => {
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  it('leaves docs/ and results/latest.json alone and writes into a temporary directory', () => {
    expect(after).toEqual(before);
    expect(markdown).toContain('**Filtered run** (`BENCH_ONLY=getorset-object-tier`)');
  });

  it('measures the selected row with its floor and peers, and nothing else', () => {
    const labels = new Set(
      markdown
        .split('\n')
        .filter((line) => /^\| (100 B|10 KiB) \| (get|set|mixed)/.test(line))
        .map((line) => line.split('|')[3]?.trim()),
    );
    expect([...labels].sort()).toEqual(
      [
        '@cachestack/cache getOrSet hit (memory, object tier)',
        '@cachestack/memory MemoryBackend',
        'bentocache getOrSet hit (memory)',
        'cache-manager 7 wrap hit',
        'cacheable getOrSet hit',
      ].sort(),
    );
    expect(markdown).toMatch(
      /\| getOrSet hit with the object tier, speed vs best peer \| \d+\.\d\d× \(\d+\.\d\d–\d+\.\d\d\) \|/,
    );
  });
});
