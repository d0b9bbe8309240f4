// `pnpm bench`: starts a redis-server on a free loopback port, measures the
// floors, our adapters and the peers on the same 10k keys, the server's own
// limit with redis-benchmark, stops the server, measures scaling (10k, 100k,
// 1M keys) and memory per entry, and writes benchmarks.md + benchmarks.svg
// and the report JSON that README claims are generated from (readme.mjs).
// Env: BENCH_SCALE (batch sizes × this, default 1), BENCH_ROUNDS
// (interleaved rounds, default 20), BENCH_BATCH_MS (wall-clock cap per batch,
// default 45), BENCH_KEYS (working set, default 10000), BENCH_SCALING_KEYS
// (comma-separated key counts, default 10000,100000,1000000), BENCH_OUT_DIR
// (default <repo>/docs), BENCH_JSON (the report JSON: every result, including
// each round's batch; default benchmarks/results/latest.json when writing
// into docs/, else <BENCH_OUT_DIR>/benchmarks.json), BENCH_ONLY
// (comma-separated row ids or id prefixes, e.g. `memory,redis-`: measure only
// those rows plus the floors and peers they are compared with; a filtered run
// skips redis-benchmark, scaling and memory per entry, writes into
// BENCH_OUT_DIR (default <tmpdir>/cachestack-bench-only) and never touches
// docs/, results/latest.json or the README blocks unless BENCH_OUT_DIR or
// BENCH_JSON name them).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { compare } from './compare.mjs';
import { FLOORS } from './floors.mjs';
import {
  FAMILIES,
  inputValue,
  KEY_COUNT,
  measureOperation,
  OPERATIONS,
  VALUE_SIZES,
  workload,
} from './harness.mjs';
import { measureFootprints } from './memory-footprint.mjs';
import { OURS } from './ours.mjs';
import { orderForPairs } from './pair-order.mjs';
import { PEERS } from './peers.mjs';
import { updateReadmes } from './readme.mjs';
import { measureServerLimits, redisBenchmarkBinary } from './redis-benchmark.mjs';
import { startRedisServer } from './redis-server.mjs';
import { renderMarkdown } from './report-markdown.mjs';
import { renderSvg } from './report-svg.mjs';
import { measureScaling, scalingCounts } from './scaling.mjs';
import { parseOnly, selectSystems } from './select.mjs';

function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number > 0`);
  return value;
}

const log = (message) => process.stderr.write(`[bench] ${message}\n`);

const BIOME = fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url));

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Formats a report JSON written inside the repository with its Biome settings
 * (so `pnpm lint` passes on it), when Biome is installed; a failure only warns.
 */
async function formatLikeTheRepo(path) {
  if (!existsSync(BIOME) || !resolve(path).startsWith(REPO_ROOT)) return;
  try {
    await promisify(execFile)(BIOME, ['format', '--write', path], { timeout: 60_000 });
  } catch (error) {
    log(`could not format ${path} with Biome: ${error.message.split('\n')[0]}`);
  }
}

/** Runs every benchmark and writes the report into `outDir`. */
export async function runBenchmarks({
  scale,
  rounds,
  budgetMs,
  outDir,
  jsonPath,
  counts,
  only = undefined,
}) {
  redisBenchmarkBinary(); // fail before minutes of work when it is missing
  const started = Date.now();
  const loadBefore = loadavg();
  const tmpDir = await mkdtemp(join(tmpdir(), 'cachestack-bench-'));
  const redis = await startRedisServer();
  log(`redis-server pid ${redis.pid} on ${redis.url}; scale ${scale}, ${rounds} rounds`);
  const results = [];
  let systems = [];
  let serverLimits = [];
  try {
    const ctx = { tmpDir, redisUrl: redis.url, redisPort: redis.port };
    systems = selectSystems(
      [...FLOORS, ...OURS, ...PEERS].map((create) => create(ctx)),
      only,
    );
    if (only !== undefined) log(`BENCH_ONLY: ${systems.map((system) => system.id).join(', ')}`);
    // Systems of one group are open together and their rounds interleave; the
    // group is the report section (family) unless a system names another one.
    for (const group of FAMILIES) {
      const members = systems.filter((system) => (system.group ?? system.family) === group);
      if (members.length === 0) continue;
      for (const system of members) await system.open();
      try {
        for (const size of VALUE_SIZES) {
          const data = workload(size);
          for (const system of members) await system.fill(data.keys, inputValue(system, data));
          for (const operation of OPERATIONS) {
            const measured = orderForPairs(
              members.filter(
                (system) =>
                  system.operations === undefined || system.operations.includes(operation),
              ),
              operation,
            );
            const stats = await measureOperation(measured, operation, data, {
              scale,
              rounds,
              budgetMs,
            });
            for (const [system, stat] of stats) {
              results.push({ id: system.id, family: system.family, size, operation, ...stat });
            }
            log(
              `${group} ${size} B ${operation}: ${measured.length} systems (${((Date.now() - started) / 1000).toFixed(0)} s)`,
            );
          }
        }
      } finally {
        for (const system of members) await system.close();
      }
    }
    if (only === undefined) {
      log('server limit (redis-benchmark)');
      serverLimits = await measureServerLimits({
        port: redis.port,
        sizes: VALUE_SIZES,
        keyCount: KEY_COUNT,
        scale,
      });
    }
  } finally {
    await redis.stop();
    await rm(tmpDir, { recursive: true, force: true });
  }
  let scaling = [];
  let footprints = [];
  if (only === undefined) {
    log(`scaling at ${counts.join(', ')} keys (child processes with --expose-gc)`);
    scaling = await measureScaling(counts, log);
    log('memory footprint (child processes with --expose-gc)');
    footprints = await measureFootprints(VALUE_SIZES, (size) =>
      Math.max(1_000, Math.round((size <= 100 ? 100_000 : 10_000) * Math.min(1, scale))),
    );
  }
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
    loadBefore,
    loadAfter: loadavg(),
    scale,
    rounds,
    budgetMs,
    keys: KEY_COUNT,
    seconds: (Date.now() - started) / 1000,
    ...(only === undefined ? {} : { only }),
  };
  const rows = compare(systems, results);
  const report = { meta, rows, footprints, serverLimits, scaling };
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'benchmarks.md'), renderMarkdown(report));
  await writeFile(join(outDir, 'benchmarks.svg'), renderSvg(report));
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await formatLikeTheRepo(jsonPath);
  log(
    `wrote ${join(outDir, 'benchmarks.md')}, benchmarks.svg and ${jsonPath} in ${meta.seconds.toFixed(0)} s`,
  );
  return { systems, ...report };
}

/** The docs folder the report goes to by default. */
export const DOCS_DIR = fileURLToPath(new URL('../../docs/', import.meta.url));

/** The report JSON of the published docs/benchmarks.md (README claims are generated from it). */
export const DEFAULT_REPORT_JSON = fileURLToPath(
  new URL('../results/latest.json', import.meta.url),
);

/** Where a BENCH_ONLY run writes by default (never docs/). */
export const ONLY_OUT_DIR = join(tmpdir(), 'cachestack-bench-only');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = parseOnly(process.env.BENCH_ONLY);
  const outDir = resolve(process.env.BENCH_OUT_DIR || (only ? ONLY_OUT_DIR : DOCS_DIR));
  const intoDocs = outDir === resolve(DOCS_DIR);
  await runBenchmarks({
    scale: positive('BENCH_SCALE', 1),
    rounds: Math.round(positive('BENCH_ROUNDS', 20)),
    budgetMs: positive('BENCH_BATCH_MS', 45),
    outDir,
    jsonPath:
      process.env.BENCH_JSON ||
      (intoDocs && !only ? DEFAULT_REPORT_JSON : join(outDir, 'benchmarks.json')),
    counts: scalingCounts(),
    only,
  });
  if (intoDocs && !only && !process.env.BENCH_JSON) {
    await updateReadmes(DEFAULT_REPORT_JSON);
    log('rewrote the benchmark claims in README.md from the report');
  }
}
