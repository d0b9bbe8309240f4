// The facade's own per-call cost: a string value through `cache.get` /
// `cache.set` (no object tier) against the same bytes through the
// MemoryBackend underneath (`backend.get` / `backend.set` of a Buffer of the
// same size), at 100 B and 10 KiB, in interleaved rounds on one process.
// What it prints per operation: µs per call of each side (median of the
// rounds, p25–p75) and the facade's own share, the difference of the two
// taken round by round. Run from packages/cache after `npx tsup`:
// `node bench/facade-cost.bench.mjs` (ROUNDS=15, KEYS=10000 by default).
import { MemoryBackend } from '@cachestack/memory';
import { createCache } from '../dist/index.js';
import { asciiText, interleaved, sizeLabel, spread } from './bench-support.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const KEYS = Number(process.env.KEYS ?? 10_000);

console.log(
  `Node ${process.version}, ${ROUNDS} interleaved rounds, ${KEYS.toLocaleString('en-US')} keys; µs per call, median (p25–p75)`,
);
console.log('value   operation  MemoryBackend (Buffer)  cache (string)  facade own');
const keys = Array.from({ length: KEYS }, (_, i) => `bench:key:${i}`);
const missing = Array.from({ length: KEYS }, (_, i) => `bench:missing:${i}`);
for (const size of [100, 10 * 1024]) {
  const text = asciiText(size);
  const bytes = Buffer.from(text, 'latin1');
  const raw = new MemoryBackend({ maxEntries: KEYS * 2 });
  const backend = new MemoryBackend({ maxEntries: KEYS * 2 });
  const cache = createCache({ backend });
  for (const key of keys) {
    await raw.set(key, bytes);
    await cache.set(key, text);
  }
  const n = size > 1_000 ? 5_000 : 50_000;
  const operations = [
    ['get hit', (i) => raw.get(keys[i % KEYS]), (i) => cache.get(keys[i % KEYS])],
    ['get miss', (i) => raw.get(missing[i % KEYS]), (i) => cache.get(missing[i % KEYS])],
    ['set', (i) => raw.set(keys[i % KEYS], bytes), (i) => cache.set(keys[i % KEYS], text)],
  ];
  for (const [name, rawCall, cacheCall] of operations) {
    const [rawTimes, cacheTimes] = await interleaved(rawCall, cacheCall, n, ROUNDS);
    const own = cacheTimes.map((t, i) => t - rawTimes[i]);
    const label = sizeLabel(size);
    console.log(
      `${label.padEnd(7)} ${name.padEnd(10)} ${spread(rawTimes).padEnd(23)} ${spread(cacheTimes).padEnd(15)} ${spread(own)}`,
    );
  }
  await raw.close();
  await backend.close();
}
