// `pnpm bench`: starts a redis-server on a free loopback port, measures the
// floors, our adapters and the peers on the same 10k keys, stops the server
// and writes benchmarks.md + benchmarks.svg.
// Env: BENCH_SCALE (batch sizes × this, default 1 ≈ 3–4 min), BENCH_ROUNDS
// (interleaved rounds, default 20), BENCH_BATCH_MS (wall-clock cap per batch,
// default 45), BENCH_KEYS (working set, default 10000), BENCH_OUT_DIR
// (default <repo>/docs), BENCH_JSON (optional path: every result, including
// each round's batch, as JSON, e.g. to compare two runs).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare } from './compare.mjs';
import { FLOORS } from './floors.mjs';
import { FAMILIES, measureOperation, OPERATIONS, VALUE_SIZES, workload } from './harness.mjs';
import { measureFootprints } from './memory-footprint.mjs';
import { OURS } from './ours.mjs';
import { orderForPairs } from './pair-order.mjs';
import { PEERS } from './peers.mjs';
import { startRedisServer } from './redis-server.mjs';
import { renderMarkdown } from './report-markdown.mjs';
import { renderSvg } from './report-svg.mjs';

function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number > 0`);
  return value;
}

const log = (message) => process.stderr.write(`[bench] ${message}\n`);

/** Runs every benchmark and writes the report into `outDir`. */
export async function runBenchmarks({ scale, rounds, budgetMs, outDir, jsonPath }) {
  const started = Date.now();
  const loadBefore = loadavg();
  const tmpDir = await mkdtemp(join(tmpdir(), 'cachestack-bench-'));
  const redis = await startRedisServer();
  log(`redis-server pid ${redis.pid} on ${redis.url}; scale ${scale}, ${rounds} rounds`);
  const results = [];
  let systems = [];
  try {
    const ctx = { tmpDir, redisUrl: redis.url, redisPort: redis.port };
    systems = [...FLOORS, ...OURS, ...PEERS].map((create) => create(ctx));
    // Systems of one group are open together and their rounds interleave; the
    // group is the report section (family) unless a system names another one.
    for (const group of FAMILIES) {
      const members = systems.filter((system) => (system.group ?? system.family) === group);
      for (const system of members) await system.open();
      try {
        for (const size of VALUE_SIZES) {
          const data = workload(size);
          for (const system of members) await system.fill(data.keys, data.value);
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
  } finally {
    await redis.stop();
    await rm(tmpDir, { recursive: true, force: true });
  }
  log('memory footprint (child processes with --expose-gc)');
  const footprints = await measureFootprints(VALUE_SIZES, (size) =>
    Math.max(1_000, Math.round((size <= 100 ? 100_000 : 10_000) * Math.min(1, scale))),
  );
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
    seconds: (Date.now() - started) / 1000,
  };
  const rows = compare(systems, results);
  await mkdir(outDir, { recursive: true });
  await writeFile(
    join(outDir, 'benchmarks.md'),
    renderMarkdown({ systems, rows, footprints, meta }),
  );
  await writeFile(join(outDir, 'benchmarks.svg'), renderSvg({ systems, rows, meta }));
  if (jsonPath !== undefined) {
    await writeFile(jsonPath, `${JSON.stringify({ meta, rows, footprints }, null, 1)}\n`);
  }
  log(`wrote ${join(outDir, 'benchmarks.md')} and benchmarks.svg in ${meta.seconds.toFixed(0)} s`);
  return { systems, rows, footprints, meta };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runBenchmarks({
    scale: positive('BENCH_SCALE', 1),
    rounds: Math.round(positive('BENCH_ROUNDS', 20)),
    budgetMs: positive('BENCH_BATCH_MS', 45),
    outDir: process.env.BENCH_OUT_DIR || fileURLToPath(new URL('../../docs/', import.meta.url)),
    jsonPath: process.env.BENCH_JSON || undefined,
  });
}
