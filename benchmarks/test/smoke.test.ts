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
  ['better-sqlite3 prepared statements', OPERATIONS],
  ['ioredis getBuffer/set, sequential', OPERATIONS],
  ['ioredis, 100 concurrent, auto-pipelined', OPERATIONS],
  ['fs readFile / writeFile+rename', OPERATIONS],
  ['@cachestack/memory MemoryBackend', OPERATIONS],
  ['@cachestack/cache getOrSet hit (memory)', ['get hit']],
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
  ['cache-manager 7 wrap hit', ['get hit']],
  ['cacheable getOrSet hit', ['get hit']],
  ['bentocache getOrSet hit (memory)', ['get hit']],
  ['Keyv + @keyv/redis, sequential', OPERATIONS],
  ['Keyv + @keyv/redis, 100 concurrent', OPERATIONS],
  ['bentocache (memory+Redis)', OPERATIONS],
];

describe('benchmark harness (smoke, tiny counts)', () => {
  let outDir: string;
  let markdown: string;
  let svg: string;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'cachestack-bench-smoke-'));
    await run(process.execPath, [script], {
      env: {
        ...process.env,
        BENCH_SCALE: '0.001',
        BENCH_ROUNDS: '2',
        BENCH_KEYS: '200',
        BENCH_OUT_DIR: outDir,
      },
      timeout: 55_000,
    });
    markdown = await readFile(join(outDir, 'benchmarks.md'), 'utf8');
    svg = await readFile(join(outDir, 'benchmarks.svg'), 'utf8');
  }, 60_000);

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
          const opsPerSec = Number(line?.split('|')[5]?.trim().replaceAll(',', ''));
          expect(opsPerSec, prefix).toBeGreaterThan(0);
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

  it('draws one SVG bar per Markdown row', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const rows = markdown
      .split('\n')
      .filter((line) => /^\| (100 B|10 KiB) \| (get|set|mixed)/.test(line));
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
