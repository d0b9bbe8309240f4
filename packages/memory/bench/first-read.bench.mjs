// The first read after a write against later reads: MemoryBackend (the built
// dist) filled with BENCH_KEYS keys (default 1,000,000) of 100 bytes, then
// awaited gets of a sample of 200,000 of them (a fixed stride through the
// keys, so reads land all over memory): first pass, second pass, and a pass
// after those keys were overwritten. CPU µs per get (this process's user +
// system time), a full GC before each pass when run with --expose-gc.
//
//   pnpm --filter @cachestack/memory build
//   node --expose-gc bench/first-read.bench.mjs
//
// Env: BENCH_KEYS, BENCH_POLICY (lru | tinylfu, default lru).
import { benchKeys, loadBuiltPackage } from './bench-support.mjs';

const { MemoryBackend } = await loadBuiltPackage();

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const SAMPLE = Math.min(KEYS, 200_000);
const POLICY = process.env.BENCH_POLICY ?? 'lru';

const backend = new MemoryBackend({ maxEntries: Infinity, policy: POLICY, purgeIntervalMs: 0 });
const keys = benchKeys(KEYS);
const value = Buffer.alloc(100, 7);
for (const key of keys) await backend.set(key, value);
const sample = [];
for (let index = 0, at = 0; index < SAMPLE; index++) {
  at = (at + 7_919) % KEYS;
  sample.push(keys[at]);
}

async function pass() {
  globalThis.gc?.();
  const started = process.cpuUsage();
  for (const key of sample) {
    if ((await backend.get(key)) === undefined) throw new Error(`miss on ${key}`);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / SAMPLE;
}

const first = await pass();
const second = await pass();
for (const key of sample) await backend.set(key, value);
const afterOverwrite = await pass();
await backend.close();

const us = (value) => value.toFixed(2);
console.log(
  `\n${KEYS.toLocaleString('en-US')} keys, policy ${POLICY}, ${SAMPLE.toLocaleString('en-US')} awaited gets per pass, CPU µs per get${globalThis.gc ? ' (full GC before each pass)' : ''}; Node ${process.version}\n`,
);
console.log('| first get after the write | second get | get after an overwrite | first ÷ second |');
console.log('| ---: | ---: | ---: | ---: |');
console.log(
  `| ${us(first)} | ${us(second)} | ${us(afterOverwrite)} | ${(first / second).toFixed(2)}× |`,
);
