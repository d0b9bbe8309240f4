// Scaling: get/set cost at 10k, 100k and 1M keys for memory and SQLite, and
// an experiment on the memory backend's first read after a write. Each
// (store, key count) runs in its own `node --expose-gc` child process so the
// heaps do not mix. Values are 100 bytes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runGcChild } from './child-run.mjs';
import { SCALING_VALUE_BYTES } from './harness.mjs';
import { SCALING_STORES } from './scaling-stores.mjs';

const SELF = fileURLToPath(import.meta.url);

/** Key counts measured by default; BENCH_SCALING_KEYS (comma-separated) overrides them. */
export const DEFAULT_SCALING_COUNTS = [10_000, 100_000, 1_000_000];

/** The key counts from BENCH_SCALING_KEYS, or {@link DEFAULT_SCALING_COUNTS}. */
export function scalingCounts(env = process.env) {
  const raw = env.BENCH_SCALING_KEYS;
  if (raw === undefined || raw === '') return DEFAULT_SCALING_COUNTS;
  const counts = raw.split(',').map((part) => Number(part.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 10)) {
    throw new Error('BENCH_SCALING_KEYS must be comma-separated integers >= 10');
  }
  return counts;
}

/** Keys read per pass (at most): every key up to this many. */
const READ_SAMPLE = { memory: 200_000, sqlite: 50_000 };
/** Keys overwritten in the set pass (at most). */
const SET_SAMPLE = { memory: 200_000, sqlite: 5_000 };

function usedBytes() {
  globalThis.gc();
  globalThis.gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** A deterministic permutation of `0 .. count-1`, first `take` of them. */
function sampleIndexes(count, take) {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  let seed = 0x9e3779b9;
  for (let i = count - 1; i > 0; i--) {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    const j = seed % (i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.subarray(0, Math.min(take, count));
}

/** Garbage-collection pauses (ms, of which minor/scavenge ms, count) between `from` and `to` (performance.now()). */
function gcTracker() {
  const entries = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async between(from, to) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // let entries arrive
      const inside = entries.filter((e) => e.startTime >= from && e.startTime <= to);
      const sum = (list) => list.reduce((total, e) => total + e.duration, 0);
      const minor = inside.filter((e) => e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR);
      return { ms: sum(inside), minorMs: sum(minor), count: inside.length };
    },
    stop: () => observer.disconnect(),
  };
}

async function timedPass(indexes, keys, fn, gc) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < indexes.length; i++) await fn(keys[indexes[i]]);
  const ended = performance.now();
  const used = process.cpuUsage(cpu);
  const pauses = await gc.between(started, ended);
  return {
    us: ((ended - started) * 1000) / indexes.length,
    cpuUs: (used.user + used.system) / indexes.length,
    n: indexes.length,
    gcMs: pauses.ms,
    gcMinorMs: pauses.minorMs,
    gcCount: pauses.count,
  };
}

async function measureInChild(storeId, count, dir) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const spec = SCALING_STORES.find((s) => s.id === storeId);
  if (spec === undefined) throw new Error(`unknown scaling store ${storeId}`);
  const value = Buffer.alloc(SCALING_VALUE_BYTES);
  for (let i = 0; i < value.length; i++) value[i] = (i * 31 + 7) & 0xff;
  const keys = Array.from({ length: count }, (_, i) => `bench:key:${i}`);
  // Warm the code paths on a small store of its own, so the first timed pass
  // does not pay for compilation.
  const warmKeys = keys.slice(0, Math.min(count, 2_000)).map((key) => `warm:${key}`);
  const warm = await spec.create({ count: warmKeys.length, dir, warmUp: true });
  await warm.fill(warmKeys, value);
  for (let round = 0; round < 3; round++) {
    for (const key of warmKeys) await warm.get(key);
    for (const key of warmKeys) await warm.set(key, value);
  }
  await warm.close();
  const gc = gcTracker();
  const before = usedBytes();
  const store = await spec.create({ count, dir });
  const fillCpu = process.cpuUsage();
  const fillStarted = performance.now();
  await store.fill(keys, value);
  const fillUs = ((performance.now() - fillStarted) * 1000) / count;
  const fillUsed = process.cpuUsage(fillCpu);
  const fillCpuUs = (fillUsed.user + fillUsed.system) / count;
  const afterWrite = spec.family === 'memory' ? usedBytes() : undefined;
  const reads = sampleIndexes(count, READ_SAMPLE[spec.family]);
  const first = await timedPass(reads, keys, store.get, gc);
  const second = await timedPass(reads, keys, store.get, gc);
  const afterRead = spec.family === 'memory' ? usedBytes() : undefined;
  const writes = sampleIndexes(count, SET_SAMPLE[spec.family]);
  const set = await timedPass(writes, keys, (key) => store.set(key, value), gc);
  const afterSet = await timedPass(writes, keys, store.get, gc);
  const check = await store.get(keys[count - 1]);
  if (check === undefined || Buffer.compare(Buffer.from(check), value) !== 0) {
    throw new Error(`${storeId}: the last key does not read back its value`);
  }
  gc.stop();
  await store.close();
  const perEntry = (bytes) => (bytes === undefined ? undefined : (bytes - before) / count);
  process.stdout.write(
    JSON.stringify({
      fillUs,
      fillCpuUs,
      first,
      second,
      set,
      afterSet,
      bytesPerEntryAfterWrite: perEntry(afterWrite),
      bytesPerEntryAfterRead: perEntry(afterRead),
    }),
  );
}

/**
 * Every scaling store at every count, each in its own child process.
 * @param {number[]} counts key counts
 * @param {(message: string) => void} log progress
 * @returns rows `{ id, label, family, kind, count, fillUs, first, second, set, afterSet, bytesPerEntry… }`
 */
export async function measureScaling(counts, log = () => {}) {
  const dir = await mkdtemp(join(tmpdir(), 'cachestack-bench-scaling-'));
  const rows = [];
  try {
    for (const count of counts) {
      for (const spec of SCALING_STORES) {
        const started = Date.now();
        const stdout = await runGcChild(SELF, [spec.id, String(count), dir]);
        const { id, label, family, kind, role } = spec;
        rows.push({ id, label, family, kind, role, count, ...JSON.parse(stdout) });
        log(
          `scaling ${spec.id} at ${count} keys (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === SELF) {
  const [store, count, dir] = process.argv.slice(2);
  await measureInChild(store, Number(count), dir);
}
