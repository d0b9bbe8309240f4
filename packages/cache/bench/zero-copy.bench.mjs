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
import { asciiText, interleaved, range, sizeLabel, spread } from './bench-support.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const KEYS = Number(process.env.KEYS ?? 10_000);

/** A MemoryBackend without the zero-copy protocols: the facade copies as before them. */
class CopyingBackend extends MemoryBackend {}
for (const protocol of [BORROWED_READ, TRANSFERRED_SET]) {
  Object.defineProperty(CopyingBackend.prototype, protocol, { value: undefined });
}

console.log(
  `Node ${process.version}, ${ROUNDS} interleaved rounds, ${KEYS.toLocaleString('en-US')} keys; µs per call, median (p25–p75)`,
);
console.log('value    operation  copying            zero-copy          speed-up (min–max)');
const keys = Array.from({ length: KEYS }, (_, i) => `bench:key:${i}`);
for (const size of [100, 10 * 1024, 100 * 1024]) {
  const text = asciiText(size);
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
    const [beforeTimes, afterTimes] = await interleaved(before, after, n, ROUNDS);
    const speedUps = beforeTimes.map((t, i) => t / afterTimes[i]);
    const label = sizeLabel(size);
    console.log(
      `${label.padEnd(8)} ${name.padEnd(10)} ${spread(beforeTimes).padEnd(18)} ${spread(afterTimes).padEnd(18)} ${range(speedUps)}`,
    );
  }
  await copyingBackend.close();
  await zeroCopyBackend.close();
}
