// getOrSet hit cost with and without the object tier, against an awaited
// lru-cache get (the floor: a Map lookup handing back the stored object), at
// three value sizes. Values are objects (records in an array), the shape a
// getOrSet loader usually returns, and the size is their JSON length; with
// KIND=string they are strings of that length (what docs/benchmarks.md uses).
// Run from packages/cache after `npx tsup`: `node bench/object-tier.bench.mjs`
// (ROUND_MS, ROUNDS, KIND and SIZES=100,10240 tune it).
import { MemoryBackend } from '@cachestack/memory';
import { LRUCache } from 'lru-cache';
import { createCache } from '../dist/index.js';

const ROUND_MS = Number(process.env.ROUND_MS ?? 40);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const SIZES = (process.env.SIZES ?? '100,10240,102400').split(',').map(Number);
const KIND = process.env.KIND ?? 'object';

/** An object whose JSON is about `bytes` long (records of ~100 bytes), or a string of that length. */
function sampleValue(bytes) {
  if (KIND === 'string') return 'x'.repeat(bytes);
  const record = (i) => ({ id: i, name: `user ${i}`, email: `u${i}@example.com`, active: true });
  if (bytes <= 120) return record(1);
  const items = [];
  while (JSON.stringify(items).length < bytes - 20) items.push(record(items.length));
  return { total: items.length, items };
}

/** How many calls of `fn` take about {@link ROUND_MS} (after a warm-up). */
async function calibrate(fn) {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ROUND_MS) {
    for (let i = 0; i < 100; i++) await fn();
    count += 100;
  }
  return count;
}

/**
 * Median µs/op of {@link ROUNDS} rounds of about {@link ROUND_MS} each; the
 * contenders' rounds are interleaved, so they share the machine's load.
 */
async function compare(contenders) {
  const times = contenders.map(() => []);
  const counts = [];
  for (const [, fn] of contenders) counts.push(await calibrate(fn));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, [, fn]] of contenders.entries()) {
      const count = counts[index];
      const started = performance.now();
      for (let i = 0; i < count; i++) await fn();
      times[index].push(((performance.now() - started) * 1_000) / count);
    }
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return contenders.map(([name], index) => ({
    name,
    median: median(times[index]),
    min: Math.min(...times[index]),
    max: Math.max(...times[index]),
  }));
}

function supportsObjectTier() {
  try {
    createCache({ backend: new MemoryBackend(), objectCache: { maxEntries: 1 } });
    return true;
  } catch {
    return false;
  }
}

console.log(`Node ${process.version}, median of ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms`);
const withTier = supportsObjectTier();
if (!withTier)
  console.log('(this build has no objectCache option: rows without the object tier only)');
const backend = new MemoryBackend();
for (const size of SIZES) {
  const value = sampleValue(size);
  const lru = new LRUCache({ max: 1_000 });
  lru.set('k', value);
  const plain = createCache({ backend, namespace: 'plain' });
  const loader = async () => value;
  await plain.set('k', value, { ttlMs: 600_000 });
  const contenders = [
    ['lru-cache get (awaited)', async () => lru.get('k')],
    ['getOrSet hit', () => plain.getOrSet('k', loader, { ttlMs: 600_000 })],
  ];
  if (withTier) {
    for (const mode of ['freeze', 'clone', 'share']) {
      const tiered = createCache({
        backend,
        namespace: mode,
        objectCache: { maxEntries: 1_000, ttlMs: 600_000, mode },
      });
      await tiered.set('k', value, { ttlMs: 600_000 });
      contenders.push([
        `getOrSet hit, object tier (${mode})`,
        () => tiered.getOrSet('k', loader, { ttlMs: 600_000 }),
      ]);
    }
  }
  const results = await compare(contenders);
  const floor = results[0].median;
  console.log(
    `\n${KIND} value of ~${size.toLocaleString('en-US')} B${KIND === 'string' ? '' : ' of JSON'}`,
  );
  for (const { name, median, min, max } of results) {
    console.log(
      `  ${name.padEnd(36)} ${median.toFixed(2).padStart(8)} µs/op  (${min.toFixed(2)}–${max.toFixed(2)})  ${(median / floor).toFixed(2)}× lru-cache time`,
    );
  }
}
await backend.close();
