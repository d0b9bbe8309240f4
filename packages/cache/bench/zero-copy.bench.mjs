// What the zero-copy hand-over between the facade and MemoryBackend saves
// (core's borrowed-read and transferred-set protocols): `cache.get` hits and
// `cache.set` of a string over a MemoryBackend that offers both protocols,
// against the same over a MemoryBackend subclass that hides them (so the
// facade falls back to `get`, which copies out, and `set`, which copies in),
// at 100 B, 10 KiB and 100 KiB, in interleaved rounds on one process.
// Prints µs per call of each side (median of the rounds, p25–p75) and the
// speed-up, the ratio of the two taken round by round (median, min–max).
// Run from packages/cache after `npx tsup`: `node bench/zero-copy.bench.mjs`
// (ROUNDS=15, KEYS=10000 by default).
import { BORROWED_READ, TRANSFERRED_SET } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { createCache } from '../dist/index.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const KEYS = Number(process.env.KEYS ?? 10_000);

/** A MemoryBackend without the zero-copy protocols: the facade copies as before them. */
class CopyingBackend extends MemoryBackend {}
for (const protocol of [BORROWED_READ, TRANSFERRED_SET]) {
  Object.defineProperty(CopyingBackend.prototype, protocol, { value: undefined });
}

/** The `q` quantile (nearest rank) of `values`. */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const spread = (values) =>
  `${quantile(values, 0.5).toFixed(2)} (${quantile(values, 0.25).toFixed(2)}–${quantile(values, 0.75).toFixed(2)})`;
const range = (values) =>
  `${quantile(values, 0.5).toFixed(2)}× (${quantile(values, 0).toFixed(2)}–${quantile(values, 1).toFixed(2)})`;

/** µs per call of `n` awaited calls of `fn(i)`. */
async function time(fn, n) {
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return ((performance.now() - started) * 1_000) / n;
}

console.log(
  `Node ${process.version}, ${ROUNDS} interleaved rounds, ${KEYS.toLocaleString('en-US')} keys; µs per call, median (p25–p75)`,
);
console.log('value    operation  copying            zero-copy          speed-up (min–max)');
const keys = Array.from({ length: KEYS }, (_, i) => `bench:key:${i}`);
for (const size of [100, 10 * 1024, 100 * 1024]) {
  let text = '';
  for (let i = 0; i < size; i++) text += String.fromCharCode(33 + ((i * 31 + 7) % 94));
  const count = size > 50_000 ? KEYS / 10 : KEYS;
  const copyingBackend = new CopyingBackend({ maxEntries: KEYS * 2 });
  const zeroCopyBackend = new MemoryBackend({ maxEntries: KEYS * 2 });
  const copying = createCache({ backend: copyingBackend });
  const zeroCopy = createCache({ backend: zeroCopyBackend });
  for (let i = 0; i < count; i++) {
    await copying.set(keys[i], text);
    await zeroCopy.set(keys[i], text);
  }
  const n = size > 50_000 ? 500 : size > 1_000 ? 5_000 : 50_000;
  const operations = [
    ['get hit', (cache) => (i) => cache.get(keys[i % count])],
    ['set', (cache) => (i) => cache.set(keys[i % count], text)],
  ];
  for (const [name, call] of operations) {
    const before = call(copying);
    const after = call(zeroCopy);
    for (let i = 0; i < n; i++) {
      await before(i);
      await after(i);
    }
    const beforeTimes = [];
    const afterTimes = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first, so neither always runs after a GC.
      if (round % 2 === 0) {
        beforeTimes.push(await time(before, n));
        afterTimes.push(await time(after, n));
      } else {
        afterTimes.push(await time(after, n));
        beforeTimes.push(await time(before, n));
      }
    }
    const speedUps = beforeTimes.map((t, i) => t / afterTimes[i]);
    const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
    console.log(
      `${label.padEnd(8)} ${name.padEnd(10)} ${spread(beforeTimes).padEnd(18)} ${spread(afterTimes).padEnd(18)} ${range(speedUps)}`,
    );
  }
  await copyingBackend.close();
  await zeroCopyBackend.close();
}
