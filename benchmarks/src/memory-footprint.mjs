// Heap bytes per cached entry: MemoryBackend vs lru-cache holding the same
// Buffers. Each measurement runs in its own child `node --expose-gc` process.
import { fileURLToPath } from 'node:url';
import { runGcChild } from './child-run.mjs';

const SELF = fileURLToPath(import.meta.url);

/** MemoryBackend measured after one `get` of every key (a read moves a small value from a string into an ArrayBuffer). */
const MEMORY_AFTER_READS = '@cachestack/memory MemoryBackend, after one get per key';

/** The stores whose footprint is measured. */
export const FOOTPRINT_STORES = [
  '@cachestack/memory MemoryBackend',
  MEMORY_AFTER_READS,
  'lru-cache',
];

function used() {
  globalThis.gc();
  globalThis.gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

async function measureInChild(store, count, size) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const value = Buffer.alloc(size, 7);
  const keys = Array.from({ length: count }, (_, i) => `bench:key:${i}`);
  let holder;
  const before = used();
  if (store === 'lru-cache') {
    const { LRUCache } = await import('lru-cache');
    holder = new LRUCache({ max: count });
    for (const key of keys) holder.set(key, Buffer.from(value)); // the caller's own copy, as MemoryBackend keeps
  } else {
    const { MemoryBackend } = await import('@cachestack/memory');
    holder = new MemoryBackend({ maxEntries: count, purgeIntervalMs: 0 });
    for (const key of keys) await holder.set(key, value);
    if (store === MEMORY_AFTER_READS) for (const key of keys) await holder.get(key);
  }
  const after = used();
  if (holder.size !== undefined && holder.size !== count) throw new Error('entries were evicted');
  process.stdout.write(JSON.stringify({ bytesPerEntry: (after - before) / count }));
  if (typeof holder.close === 'function') await holder.close();
}

/**
 * Bytes per entry (heap + ArrayBuffer memory, after full GCs) for each store
 * and value size, measured in separate `--expose-gc` child processes.
 * @param {number[]} sizes value sizes (bytes)
 * @param {(size: number) => number} countFor entries to hold per size
 */
export async function measureFootprints(sizes, countFor) {
  const results = [];
  for (const size of sizes) {
    const count = countFor(size);
    for (const store of FOOTPRINT_STORES) {
      const stdout = await runGcChild(SELF, [store, String(count), String(size)]);
      results.push({ store, size, count, ...JSON.parse(stdout) });
    }
  }
  return results;
}

if (process.argv[1] === SELF) {
  const [store, count, size] = process.argv.slice(2);
  await measureInChild(store, Number(count), Number(size));
}
