// Awaited get/set throughput: raw lru-cache vs MemoryBackend (the built dist).
// Run after `npx tsup` with `npm run bench` (or `node bench/get-set.bench.mjs`).
// Env: BENCH_OPS (operations per round, default 500,000), BENCH_ROUNDS (default 9).
// Rounds of the compared variants are interleaved, so a noisy neighbour slows
// all of them alike; each figure is the median over the rounds, after one
// warm-up round. Rates are operations per second of this process's CPU time
// (user + system, from process.cpuUsage), which a busy shared machine distorts
// far less than wall-clock time; BENCH_CLOCK=wall uses wall-clock time instead.
import { existsSync } from 'node:fs';
import { LRUCache } from 'lru-cache';

if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error('bench: dist/index.js is missing; build first with `npx tsup` (or `pnpm build`).');
  process.exit(1);
}
const { MemoryBackend } = await import('../dist/index.js');

const KEYS = 10_000;
const VALUE_BYTES = 100;
const OPS = Number(process.env.BENCH_OPS ?? 500_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WALL = process.env.BENCH_CLOCK === 'wall';

/** Elapsed seconds of the chosen clock since `start()`. */
function stopwatch() {
  if (WALL) {
    const started = performance.now();
    return () => (performance.now() - started) / 1000;
  }
  const started = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1e6;
  };
}

const keys = Array.from({ length: KEYS }, (_, index) => `key:${index}`);
const value = new Uint8Array(VALUE_BYTES).fill(7);

// The raw baseline: lru-cache with the same entry limit, awaited like an async API.
const raw = new LRUCache({ max: KEYS });
const backend = new MemoryBackend({ maxEntries: KEYS });
for (const key of keys) {
  raw.set(key, value);
  await backend.set(key, value);
}

const variants = {
  'raw get': async (n) => {
    for (let i = 0; i < n; i++) await raw.get(keys[i % KEYS]);
  },
  'raw get + copy': async (n) => {
    for (let i = 0; i < n; i++) await Buffer.from(raw.get(keys[i % KEYS]));
  },
  'backend get': async (n) => {
    for (let i = 0; i < n; i++) await backend.get(keys[i % KEYS]);
  },
  'raw set': async (n) => {
    for (let i = 0; i < n; i++) await raw.set(keys[i % KEYS], value);
  },
  'raw set + copy': async (n) => {
    for (let i = 0; i < n; i++) await raw.set(keys[i % KEYS], new Uint8Array(value));
  },
  'backend set': async (n) => {
    for (let i = 0; i < n; i++) await backend.set(keys[i % KEYS], value);
  },
};

const rates = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (const run of Object.values(variants)) await run(Math.min(OPS, 100_000)); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const elapsed = stopwatch();
    await run(OPS);
    rates[name].push(OPS / elapsed());
  }
}
await backend.close();

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const format = (rate) => `${(rate / 1e6).toFixed(2)}M`;
const row = (operation, base, copied, ours) => {
  const b = median(rates[base]);
  const c = median(rates[copied]);
  const m = median(rates[ours]);
  return `| ${operation} | ${format(b)} | ${format(c)} | ${format(m)} | ${(b / m).toFixed(2)}× |`;
};
console.log(
  `\n${KEYS} keys, ${VALUE_BYTES}-byte values, ${OPS} awaited ops per round, median of ${ROUNDS} interleaved rounds, ${WALL ? 'wall-clock' : 'CPU'} time; Node ${process.version}\n`,
);
console.log(
  '| operation | raw lru-cache ops/s | raw + byte copy ops/s | MemoryBackend ops/s | raw / MemoryBackend |',
);
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(row('get (hit)', 'raw get', 'raw get + copy', 'backend get'));
console.log(row('set', 'raw set', 'raw set + copy', 'backend set'));
