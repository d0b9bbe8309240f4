// getMany when L1 has every key (what the cache facade's tag check does on
// every tagged hit: one getMany of the tags' version keys): TieredBackend
// (memory over memory) against a plain MemoryBackend.getMany of the same keys
// and against a single tiered get, in interleaved rounds.
// TIERED_DIST=/path/to/dist/index.js measures another build (before/after).
// Run after building: `npx tsup && node bench/get-many-l1.bench.mjs`.
import { MemoryBackend } from '@cachestack/memory';

const { TieredBackend } = await import(process.env.TIERED_DIST ?? '../dist/index.js');

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const OPS = Number(process.env.OPS ?? 50_000);
const KEYS = Number(process.env.KEYS ?? 6); // 3 tags × (invalidate, expire) versions
const value = new Uint8Array(9).fill(7);
const keys = Array.from({ length: KEYS }, (_, i) => `tag-version-${i}`);

const plain = new MemoryBackend();
const tiered = new TieredBackend({ tiers: [new MemoryBackend(), new MemoryBackend()] });
for (const key of keys) {
  await plain.set(key, value);
  await tiered.set(key, value);
}

const cases = [
  ['MemoryBackend.getMany (floor)', () => plain.getMany(keys)],
  [`tiered getMany, all ${KEYS} keys in L1`, () => tiered.getMany(keys)],
  ['tiered get, one key in L1', () => tiered.get(keys[0])],
];

async function timeLoop(run) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < OPS; i += 1) await run();
  return Number(process.hrtime.bigint() - started) / OPS;
}

const quantile = (numbers, q) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * q)];
};

const samples = cases.map(() => []);
for (let round = -1; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? [...cases.keys()] : [...cases.keys()].reverse();
  for (const index of order) {
    const ns = await timeLoop(cases[index][1]);
    if (round >= 0) samples[index].push(ns);
  }
}
console.log(
  `\ngetMany of ${KEYS} keys all in L1, ${OPS} calls per round, median of ${ROUNDS} interleaved rounds, Node ${process.version}\n`,
);
console.log('| case | ns/op (median) | vs MemoryBackend.getMany, per round (median, p25–p75) |');
console.log('| --- | ---: | ---: |');
for (const [index, [name]] of cases.entries()) {
  const ratios = samples[index].map((ns, round) => ns / samples[0][round]);
  console.log(
    `| ${name} | ${quantile(samples[index], 0.5).toFixed(0)} | ${quantile(ratios, 0.5).toFixed(2)}× (${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)}) |`,
  );
}
await tiered.close();
await plain.close();
