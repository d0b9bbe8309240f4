// The server's own limit: `redis-benchmark` (C client, no Node.js) against the
// same loopback redis-server, one connection and 100, with and without
// pipelining. Its GET and SET are the ceiling no Node.js client can pass.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The redis-benchmark runs, each a client count and a pipeline depth (1 = none). */
export const REDIS_BENCHMARK_CONFIGS = [
  { label: 'redis-benchmark, 1 connection', clients: 1, pipeline: 1, requests: 10_000 },
  { label: 'redis-benchmark, 100 connections', clients: 100, pipeline: 1, requests: 50_000 },
  {
    label: 'redis-benchmark, 100 connections, pipelined (-P 16)',
    clients: 100,
    pipeline: 16,
    requests: 100_000,
  },
];

/** Repetitions of each run; the report gives their median and range. */
export const REDIS_BENCHMARK_REPEATS = 3;

/** Absolute path of redis-benchmark on PATH, or an error saying how to install it. */
export function redisBenchmarkBinary() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'redis-benchmark');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'redis-benchmark not found: install it with `apt-get install -y redis-tools` (Debian/Ubuntu)',
  );
}

/**
 * `{ SET: rps, GET: rps }` from redis-benchmark's `--csv` output
 * (`"test","rps",...` header, then one quoted line per test).
 */
export function parseRedisBenchmarkCsv(text) {
  const rates = {};
  for (const line of text.split('\n')) {
    const cells = line.split(',').map((cell) => cell.replaceAll('"', '').trim());
    if (cells.length < 2 || cells[0] === 'test') continue;
    const rps = Number(cells[1]);
    if (cells[0] !== '' && Number.isFinite(rps)) rates[cells[0]] = rps;
  }
  if (rates.SET === undefined || rates.GET === undefined) {
    throw new Error(`redis-benchmark printed no SET/GET rates:\n${text.slice(0, 500)}`);
  }
  return rates;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Runs every {@link REDIS_BENCHMARK_CONFIGS} entry {@link REDIS_BENCHMARK_REPEATS}
 * times per value size against `127.0.0.1:port` (SET then GET over
 * `keyCount` random keys, so the GETs hit).
 * @returns one row per config, size and operation (`get hit` / `set`) with
 *   the median ops/s and the [min, max] of the repeats.
 */
export async function measureServerLimits({ port, sizes, keyCount, scale }) {
  const binary = redisBenchmarkBinary();
  const rows = [];
  for (const size of sizes) {
    for (const config of REDIS_BENCHMARK_CONFIGS) {
      const requests = Math.max(1_000, Math.round(config.requests * Math.min(1, scale * 4)));
      const samples = { SET: [], GET: [] };
      for (let repeat = 0; repeat < REDIS_BENCHMARK_REPEATS; repeat++) {
        const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get'];
        args.push('-n', String(requests), '-d', String(size), '-r', String(keyCount));
        args.push('-c', String(config.clients), '-P', String(config.pipeline), '--csv');
        const { stdout } = await run(binary, args, { timeout: 120_000, maxBuffer: 1 << 20 });
        const rates = parseRedisBenchmarkCsv(stdout);
        samples.SET.push(rates.SET);
        samples.GET.push(rates.GET);
      }
      for (const [command, operation] of [
        ['GET', 'get hit'],
        ['SET', 'set'],
      ]) {
        const values = samples[command];
        rows.push({
          label: config.label,
          clients: config.clients,
          pipeline: config.pipeline,
          requests,
          size,
          operation,
          opsPerSec: median(values),
          range: [Math.min(...values), Math.max(...values)],
        });
      }
    }
  }
  return rows;
}
