// Access traces for hit-ratio replay: the cache2k traces in shared/traces beside the repository
// (or HIT_RATIO_TRACES), and seeded synthetic workloads (Zipf, scan over a hot set).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Folder of the published traces (gzip of big-endian int32 keys, one per access). */
export const TRACE_DIR =
  process.env.HIT_RATIO_TRACES ??
  fileURLToPath(new URL('../../../../../shared/traces/', import.meta.url));

/**
 * A trace ready to replay: `ids` are dense key numbers (0 … distinct-1) in
 * access order, `keys[id]` the string key handed to caches.
 * @typedef {{ name: string, ids: Int32Array, keys: string[], distinct: number }} Trace
 */

/** Turns raw keys (any int32) into a {@link Trace}. */
export function denseTrace(name, rawKeys) {
  const idOf = new Map();
  const ids = new Int32Array(rawKeys.length);
  const keys = [];
  for (let index = 0; index < rawKeys.length; index++) {
    const raw = rawKeys[index];
    let id = idOf.get(raw);
    if (id === undefined) {
      id = keys.length;
      idOf.set(raw, id);
      keys.push(`k${raw}`);
    }
    ids[index] = id;
  }
  return { name, ids, keys, distinct: keys.length };
}

/** Reads a cache2k trace file (gzip of big-endian signed 32-bit keys). */
export function readTrace(file, name = file) {
  const bytes = gunzipSync(readFileSync(join(TRACE_DIR, file)));
  if (bytes.byteLength % 4 !== 0)
    throw new Error(`${file}: length ${bytes.byteLength} is not a multiple of 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw = new Int32Array(bytes.byteLength / 4);
  for (let index = 0; index < raw.length; index++) raw[index] = view.getInt32(index * 4, false);
  return denseTrace(name, raw);
}

/** A seeded 32-bit PRNG (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` accesses over `items` keys, key of rank r drawn with probability ∝ 1/r^alpha. */
export function zipfTrace(alpha, items, length, seed = 42) {
  const cdf = new Float64Array(items);
  let total = 0;
  for (let rank = 1; rank <= items; rank++) {
    total += 1 / rank ** alpha;
    cdf[rank - 1] = total;
  }
  const random = seededRandom(seed);
  // Ranks are shuffled onto key numbers so popularity says nothing of the key.
  const keyOfRank = Int32Array.from({ length: items }, (_, index) => index);
  for (let index = items - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [keyOfRank[index], keyOfRank[other]] = [keyOfRank[other], keyOfRank[index]];
  }
  const raw = new Int32Array(length);
  for (let index = 0; index < length; index++) {
    const target = random() * total;
    let low = 0;
    let high = items - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cdf[middle] < target) low = middle + 1;
      else high = middle;
    }
    raw[index] = keyOfRank[low];
  }
  return denseTrace(`zipf α=${alpha}`, raw);
}
