// L1-hit cost of TieredBackend versus a plain MemoryBackend get.
// Run after building: `npx tsup && node bench/l1-hit.bench.mjs` (or `pnpm bench`).
// Prints ns/op for each case (median of several rounds) and the ratios.
import { MemoryBackend } from '@cachestack/memory';

// TIERED_DIST=/path/to/dist/index.js measures another build (before/after).
// BASELINE_TIERED_DIST=/path/to/dist/index.js adds another build's L1 hit as
// one more case, interleaved with the others (before/after in one run).
const { TieredBackend } = await import(process.env.TIERED_DIST ?? '../dist/index.js');
const Baseline = process.env.BASELINE_TIERED_DIST
  ? (await import(process.env.BASELINE_TIERED_DIST)).TieredBackend
  : undefined;

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const OPS = Number(process.env.OPS ?? 200_000);
const PAIRS = Number(process.env.PAIRS ?? 60);
const BATCH = Number(process.env.BATCH ?? 20_000);
const MISS_KEYS = Number(process.env.MISS_KEYS ?? 50_000);
const value = new Uint8Array(100).fill(7);

async function timeLoop(ops, run) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i += 1) await run(i);
  return Number(process.hrtime.bigint() - started) / ops;
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const plain = new MemoryBackend();
await plain.set('hot', value);
const tiered = new TieredBackend({ tiers: [new MemoryBackend(), new MemoryBackend()] });
await tiered.set('hot', value);

const baseline =
  Baseline === undefined
    ? undefined
    : new Baseline({ tiers: [new MemoryBackend(), new MemoryBackend()] });
await baseline?.set('hot', value);

const plainGet = () => plain.get('hot');
const tieredGet = () => tiered.get('hot');
const baselineGet = () => baseline.get('hot');
// Warm-up (JIT) for every path.
await timeLoop(OPS, plainGet);
await timeLoop(OPS, tieredGet);
if (baseline !== undefined) await timeLoop(OPS, baselineGet);

// The floor for ANY wrapper that must look at L1's answer before resolving:
// one extra promise + microtask (a bare `.then` with a static function).
const identity = (result) => result;
const floorGet = () => plain.get('hot').then(identity);
await timeLoop(OPS, floorGet);

// Many short adjacent batches (order rotating): on a shared, noisy machine
// per-batch ratios and the minimum per case are far steadier than totals.
const cases = [plainGet, floorGet, tieredGet, ...(baseline === undefined ? [] : [baselineGet])];
const times = cases.map(() => []);
const tieredRatios = [];
const floorRatios = [];
const baselineRatios = [];
for (let pair = 0; pair < PAIRS; pair += 1) {
  const batch = cases.map(() => 0);
  for (let step = 0; step < cases.length; step += 1) {
    const which = (pair + step) % cases.length;
    batch[which] = await timeLoop(BATCH, cases[which]);
    times[which].push(batch[which]);
  }
  tieredRatios.push(batch[2] / batch[0]);
  floorRatios.push(batch[1] / batch[0]);
  if (baseline !== undefined) baselineRatios.push(batch[2] / batch[3]);
}
const [plainNs, floorNs, tieredNs, baselineNs] = times;

// L1 miss, L2 hit: every key is read once, so each read misses L1, reads
// L2 (and its TTL) and backfills L1.
const missNs = [];
for (let round = 0; round < ROUNDS; round += 1) {
  const l2 = new MemoryBackend({ maxEntries: MISS_KEYS * 2 });
  const cold = new TieredBackend({ tiers: [new MemoryBackend({ maxEntries: MISS_KEYS * 2 }), l2] });
  for (let i = 0; i < MISS_KEYS; i += 1) await l2.set(`k${i}`, value, 600_000);
  missNs.push(await timeLoop(MISS_KEYS, (i) => cold.get(`k${i}`)));
  await cold.close();
}

const plainMin = Math.min(...plainNs);
const floorMin = Math.min(...floorNs);
const hitMin = Math.min(...tieredNs);
const missMin = Math.min(...missNs);
const line = (name, ns, extra = '') =>
  console.log(`${name.padEnd(38)}${ns.toFixed(0).padStart(7)} ns/op${extra}`);
line('MemoryBackend get (hit), min', plainMin);
line('floor: get().then(identity), min', floorMin, `  ${(floorMin / plainMin).toFixed(3)}x`);
line('TieredBackend L1 hit, min', hitMin, `  ${(hitMin / plainMin).toFixed(3)}x`);
console.log(
  `median per-batch ratio vs plain get: tiered L1 hit ${median(tieredRatios).toFixed(3)}x, floor ${median(floorRatios).toFixed(3)}x`,
);
if (baseline !== undefined) {
  line('baseline build L1 hit, min', Math.min(...baselineNs));
  const sorted = [...baselineRatios].sort((a, b) => a - b);
  const at = (q) => sorted[Math.floor(q * (sorted.length - 1))].toFixed(3);
  console.log(
    `this build / baseline build, per batch: median ${median(baselineRatios).toFixed(3)}x (p25–p75 ${at(0.25)}–${at(0.75)}, min–max ${at(0)}–${at(1)})`,
  );
}
line(
  'TieredBackend L1 miss + L2 hit, min',
  missMin,
  `  ${(missMin / plainMin).toFixed(1)}x (getTtl + backfill)`,
);
console.log(
  `(${PAIRS} batches of ${BATCH} hits per case; ${ROUNDS} rounds of ${MISS_KEYS} misses; 100-byte values)`,
);
await plain.close();
await tiered.close();
await baseline?.close();
