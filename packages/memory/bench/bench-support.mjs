// Shared setup of the memory benchmarks: loading the built package, the
// BENCH_* settings, the clock, the key set, interleaved rounds and the
// statistics they print.
import { existsSync } from 'node:fs';

const DIST = new URL('../dist/index.js', import.meta.url);

/**
 * The built package (`dist/index.js`); exits with a build hint when it is missing.
 * @param {string} [who] - prefix of the message, e.g. `'hit-ratio'`.
 */
export async function loadBuiltPackage(who = 'bench') {
  if (!existsSync(DIST)) {
    console.error(
      `${who}: dist/index.js is missing; build first with \`pnpm --filter @cachestack/memory build\`.`,
    );
    process.exit(1);
  }
  return import(DIST.href);
}

/**
 * What a timed bench of MemoryBackend starts from: the built package's
 * `MemoryBackend`, the data set ({@link benchData}) and the settings
 * ({@link benchSettings}).
 */
export async function setupTimedBench() {
  const { MemoryBackend } = await loadBuiltPackage();
  return { MemoryBackend, ...benchData(), settings: benchSettings() };
}

/** How the figures were taken, e.g. `median of 9 interleaved rounds, CPU time; Node v20.20.2`. */
export function describeRounds({ rounds, wall }) {
  return `median of ${rounds} interleaved rounds, ${wall ? 'wall-clock' : 'CPU'} time; Node ${process.version}`;
}

/**
 * The settings every timed bench reads from the environment: BENCH_OPS
 * (operations per round, default 500,000), BENCH_ROUNDS (default 9) and
 * BENCH_CLOCK=wall (wall-clock time instead of this process's CPU time).
 */
export function benchSettings() {
  return {
    ops: Number(process.env.BENCH_OPS ?? 500_000),
    rounds: Number(process.env.BENCH_ROUNDS ?? 9),
    wall: process.env.BENCH_CLOCK === 'wall',
  };
}

/**
 * Starts a clock; the function it returns gives the seconds elapsed since:
 * this process's CPU time (user + system, from `process.cpuUsage`, which a
 * busy shared machine distorts far less than wall-clock time), or wall-clock
 * time when `wall` is true.
 */
export function stopwatch(wall) {
  if (wall) {
    const started = performance.now();
    return () => (performance.now() - started) / 1000;
  }
  const started = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1e6;
  };
}

/** `count` keys `key:0`, `key:1`, … */
export function benchKeys(count) {
  return Array.from({ length: count }, (_, index) => `key:${index}`);
}

/**
 * The timed benches' data set: 10,000 keys (`keyCount`, `keys`) and one
 * 100-byte value (`valueBytes`, `value`) to store under each.
 */
export function benchData() {
  const keyCount = 10_000;
  const valueBytes = 100;
  return {
    keyCount,
    valueBytes,
    keys: benchKeys(keyCount),
    value: new Uint8Array(valueBytes).fill(7),
  };
}

/**
 * Runs every variant (`name → async (n) => …`, doing `n` operations) once as
 * a warm-up (at most 100,000 operations), then `rounds` rounds in which each
 * variant does `ops` operations in turn, so a noisy neighbour slows all of
 * them alike. Returns the operations per second of each round, by name.
 */
export async function runInterleaved(variants, { ops, rounds, wall }) {
  const rates = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (const run of Object.values(variants)) await run(Math.min(ops, 100_000));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const elapsed = stopwatch(wall);
      await run(ops);
      rates[name].push(ops / elapsed());
    }
  }
  return rates;
}

/** The value at `share` (0–1) of the sorted `list`, nearest rank. */
export function quantile(list, share) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.round(share * (list.length - 1))];
}

/** The median of `list`. */
export function median(list) {
  return quantile(list, 0.5);
}

/** A rate in millions of operations per second, e.g. `2.41M`. */
export function formatRate(rate) {
  return `${(rate / 1e6).toFixed(2)}M`;
}

/**
 * The ratios `numerator[round] / denominator[round]` of two variants' rates,
 * each within one round (so both shared its load), as
 * `median p25–p75 (min–max)`, e.g. `1.02× 0.99×–1.05× (0.95×–1.10×)`.
 */
export function ratioSpread(numerator, denominator) {
  const ratios = numerator.map((rate, round) => rate / denominator[round]);
  const times = (ratio) => `${ratio.toFixed(2)}×`;
  return {
    median: times(median(ratios)),
    iqr: `${times(quantile(ratios, 0.25))}–${times(quantile(ratios, 0.75))}`,
    range: `${times(quantile(ratios, 0))}–${times(quantile(ratios, 1))}`,
  };
}
