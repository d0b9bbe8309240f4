// The tiered layer's own cost of an L2 hit, without a network: TieredBackend
// (memory L1, an in-process L2 that offers the TTL-read protocol and answers
// from a Map in a resolved promise) against its floor, the same L2's
// getWithTtl followed by MemoryBackend.set by hand. The difference is what
// tiered adds per L1 miss + L2 hit + backfill (single-flight, breakers,
// outcome, in-flight count, promise steps). Over Redis the same code runs
// after each reply arrives (colder caches), so it weighs more there; see
// l2-hit-redis.bench.mjs for the end-to-end figures.
// BASELINE_TIERED_DIST=/path/to/dist/index.js adds another build of this
// package as a case, interleaved with the others (before/after in one run).
// Run after building: `ROUNDS=200 node bench/l2-hit-overhead.bench.mjs`.
import { MemoryBackend } from '@cachestack/memory';

const { TieredBackend } = await import(process.env.TIERED_DIST ?? '../dist/index.js');
const Baseline = process.env.BASELINE_TIERED_DIST
  ? (await import(process.env.BASELINE_TIERED_DIST)).TieredBackend
  : undefined;

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const KEYS = Number(process.env.KEYS ?? 3000);
const TTL_MS = 3_600_000;

const store = new Map();
const copy = (key) => (store.has(key) ? Buffer.from(store.get(key)) : undefined);
const found = (key) =>
  store.has(key) ? { value: Buffer.from(store.get(key)), ttlMs: TTL_MS } : undefined;
/** An in-process L2: every call answers in an already resolved promise. */
const l2 = {
  backendType: 'instant',
  get: (key) => Promise.resolve(copy(key)),
  getWithTtl: (key) => Promise.resolve(found(key)),
  getManyWithTtl: (keys) => Promise.resolve(keys.map(found)),
  set: async (key, value) => {
    store.set(key, Buffer.from(value));
  },
  delete: async (key) => store.delete(key),
  exists: async (key) => store.has(key),
  healthCheck: async () => ({ healthy: true, latencyMs: 0, backendType: 'instant', details: {} }),
  close: async () => {},
};
const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
for (const key of keys) store.set(key, Buffer.alloc(100, 7));

// One L1 per case, emptied before each round (constructing an LRU per round would dominate).
const l1For = () => new MemoryBackend({ maxEntries: KEYS * 2 });
const tieredCase = (Tiered) => {
  const l1 = l1For();
  return async () => {
    await l1.clear();
    // Not closed: closing it would close the shared tiers.
    const cache = new Tiered({ tiers: [l1, l2] });
    for (const key of keys) await cache.get(key);
  };
};
const floorL1 = l1For();
const cases = [
  [
    'floor: getWithTtl, then MemoryBackend.set',
    async () => {
      await floorL1.clear();
      for (const key of keys) {
        const hit = await l2.getWithTtl(key);
        await floorL1.set(key, hit.value, hit.ttlMs);
      }
    },
  ],
  ['tiered L2 hit (this build)', tieredCase(TieredBackend)],
];
if (Baseline !== undefined) cases.push(['tiered L2 hit (BASELINE build)', tieredCase(Baseline)]);

const nanos = cases.map(() => []);
for (let round = -5; round < ROUNDS; round++) {
  // Interleaved, order alternating, so load from other processes hits every case alike.
  const order = round % 2 === 0 ? [...cases.keys()] : [...cases.keys()].reverse();
  for (const index of order) {
    const started = performance.now();
    await cases[index][1]();
    if (round >= 0) nanos[index].push(((performance.now() - started) * 1e6) / KEYS);
  }
}
const quantile = (numbers, q) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * q)];
};
const spread = (values) =>
  `${quantile(values, 0.5).toFixed(0)} (${quantile(values, 0.25).toFixed(0)}–${quantile(values, 0.75).toFixed(0)})`;
console.log(
  `\nsequential L2 hits over an in-process L2, ${KEYS} keys per round, ${ROUNDS} interleaved rounds, Node ${process.version}\n`,
);
console.log('| case | ns/op, median (p25–p75) | over the floor, per round, ns (median, p25–p75) |');
console.log('| --- | ---: | ---: |');
for (const [index, [name]] of cases.entries()) {
  const over = nanos[index].map((value, round) => value - nanos[0][round]);
  console.log(`| ${name} | ${spread(nanos[index])} | ${spread(over)} |`);
}
