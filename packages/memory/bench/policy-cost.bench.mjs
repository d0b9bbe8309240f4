// Cost of a get hit under each eviction policy: MemoryBackend with
// policy 'lru' vs 'tinylfu' (the built dist), awaited, on a full cache.
// Run after `pnpm --filter @cachestack/memory build` with
// `node bench/policy-cost.bench.mjs`.
// Env: BENCH_OPS (gets per round, default 500,000), BENCH_ROUNDS (default 9),
// BENCH_CLOCK=wall for wall-clock time (default: this process's CPU time).
// Two access patterns over 10,000 keys in a 10,000-entry cache:
// - zipf: keys drawn with Zipf α = 1.0 (a hot set, as real caches see);
// - cycle: every key in turn, the worst case for W-TinyLFU, whose protected
//   segment (90% of the main part) cannot hold the cycle, so most hits move
//   an entry from probation to protected and another one back.
import {
  describeRounds,
  formatRate,
  median,
  ratioSpread,
  runInterleaved,
  setupTimedBench,
} from './bench-support.mjs';
import { zipfTrace } from './hit-ratio/traces.mjs';

const setup = await setupTimedBench();
const { MemoryBackend, keyCount: KEYS, valueBytes: VALUE_BYTES, keys, value, settings } = setup;
const OPS = settings.ops;
const zipf = zipfTrace(1.0, KEYS, OPS, 7);
const zipfKeys = Array.from(zipf.ids, (id) => keys[Number(zipf.keys[id].slice(1))]);
const cycleKeys = Array.from({ length: OPS }, (_, index) => keys[index % KEYS]);

const backends = {};
for (const policy of ['lru', 'tinylfu']) {
  const backend = new MemoryBackend({ maxEntries: KEYS, policy });
  for (const key of keys) await backend.set(key, value);
  backends[policy] = backend;
}

const variants = {};
for (const [pattern, order] of [
  ['zipf', zipfKeys],
  ['cycle', cycleKeys],
]) {
  for (const policy of ['lru', 'tinylfu']) {
    const backend = backends[policy];
    variants[`${pattern} ${policy}`] = async (n) => {
      for (let i = 0; i < n; i++) {
        if ((await backend.get(order[i % order.length])) === undefined) throw new Error('miss');
      }
    };
  }
}

const rates = await runInterleaved(variants, settings);
for (const backend of Object.values(backends)) await backend.close();

console.log(
  `\n${KEYS} keys in a ${KEYS}-entry cache, ${VALUE_BYTES}-byte values, ${OPS} awaited get hits per round, ${describeRounds(settings)}\n`,
);
console.log(
  '| access pattern | lru get ops/s | tinylfu get ops/s | cost of a tinylfu hit / lru hit | same, round by round: p25–p75 (min–max) |',
);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const pattern of ['zipf', 'cycle']) {
  const lru = median(rates[`${pattern} lru`]);
  const tinylfu = median(rates[`${pattern} tinylfu`]);
  // Each round ran both policies back to back, so their ratio within a round shares its load.
  const spread = ratioSpread(rates[`${pattern} lru`], rates[`${pattern} tinylfu`]);
  console.log(
    `| ${pattern} | ${formatRate(lru)} | ${formatRate(tinylfu)} | ${(lru / tinylfu).toFixed(2)}× | ${spread.iqr} (${spread.range}) |`,
  );
}
