// Awaited get/set throughput: raw lru-cache vs MemoryBackend (the built dist).
// Run after `pnpm --filter @cachestack/memory build` with `npm run bench` (or
// `node bench/get-set.bench.mjs`).
// Env: BENCH_OPS (operations per round, default 500,000), BENCH_ROUNDS (default 9).
// Rounds of the compared variants are interleaved, so a noisy neighbour slows
// all of them alike; each figure is the median over the rounds, after one
// warm-up round. Rates are operations per second of this process's CPU time
// (user + system, from process.cpuUsage), which a busy shared machine distorts
// far less than wall-clock time; BENCH_CLOCK=wall uses wall-clock time instead.
import { LRUCache } from 'lru-cache';
import {
  describeRounds,
  formatRate,
  median,
  runInterleaved,
  setupTimedBench,
} from './bench-support.mjs';

const setup = await setupTimedBench();
const { MemoryBackend, keyCount: KEYS, valueBytes: VALUE_BYTES, keys, value, settings } = setup;

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

const rates = await runInterleaved(variants, settings);
await backend.close();

const row = (operation, base, copied, ours) => {
  const b = median(rates[base]);
  const c = median(rates[copied]);
  const m = median(rates[ours]);
  return `| ${operation} | ${formatRate(b)} | ${formatRate(c)} | ${formatRate(m)} | ${(b / m).toFixed(2)}× |`;
};
console.log(
  `\n${KEYS} keys, ${VALUE_BYTES}-byte values, ${settings.ops} awaited ops per round, ${describeRounds(settings)}\n`,
);
console.log(
  '| operation | raw lru-cache ops/s | raw + byte copy ops/s | MemoryBackend ops/s | raw / MemoryBackend |',
);
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(row('get (hit)', 'raw get', 'raw get + copy', 'backend get'));
console.log(row('set', 'raw set', 'raw set + copy', 'backend set'));
