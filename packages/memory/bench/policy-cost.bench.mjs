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
import { existsSync } from 'node:fs';
import { zipfTrace } from './hit-ratio/traces.mjs';

if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error(
    'bench: dist/index.js is missing; build first with `pnpm --filter @cachestack/memory build`.',
  );
  process.exit(1);
}
const { MemoryBackend } = await import('../dist/index.js');

const KEYS = 10_000;
const VALUE_BYTES = 100;
const OPS = Number(process.env.BENCH_OPS ?? 500_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WALL = process.env.BENCH_CLOCK === 'wall';

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

const rates = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (const run of Object.values(variants)) await run(Math.min(OPS, 100_000)); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const elapsed = stopwatch();
    await run(OPS);
    rates[name].push(OPS / elapsed());
  }
}
for (const backend of Object.values(backends)) await backend.close();

const sorted = (list) => [...list].sort((a, b) => a - b);
const quantile = (list, share) => sorted(list)[Math.round(share * (list.length - 1))];
const median = (list) => quantile(list, 0.5);
const format = (rate) => `${(rate / 1e6).toFixed(2)}M`;
console.log(
  `\n${KEYS} keys in a ${KEYS}-entry cache, ${VALUE_BYTES}-byte values, ${OPS} awaited get hits per round, median of ${ROUNDS} interleaved rounds, ${WALL ? 'wall-clock' : 'CPU'} time; Node ${process.version}\n`,
);
console.log(
  '| access pattern | lru get ops/s | tinylfu get ops/s | cost of a tinylfu hit / lru hit | same, round by round: p25–p75 (min–max) |',
);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const pattern of ['zipf', 'cycle']) {
  const lru = median(rates[`${pattern} lru`]);
  const tinylfu = median(rates[`${pattern} tinylfu`]);
  // Each round ran both policies back to back, so their ratio within a round shares its load.
  const ratios = rates[`${pattern} lru`].map(
    (rate, round) => rate / rates[`${pattern} tinylfu`][round],
  );
  const times = (ratio) => `${ratio.toFixed(2)}×`;
  console.log(
    `| ${pattern} | ${format(lru)} | ${format(tinylfu)} | ${times(lru / tinylfu)} | ${times(quantile(ratios, 0.25))}–${times(quantile(ratios, 0.75))} (${times(quantile(ratios, 0))}–${times(quantile(ratios, 1))}) |`,
  );
}
