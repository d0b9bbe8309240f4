// Timing harness: many short interleaved rounds, near-best batch throughput
// (wall clock, the least disturbed batches on a shared machine) with every
// round's batch kept for round-by-round ratios, and per-operation latency
// percentiles from a few separately timed sample batches.

/** The measured operations, in report order. */
export const OPERATIONS = ['get hit', 'get miss', 'set', 'mixed 90/10'];

/**
 * Working-set size: every system holds the same keys. 10k by default;
 * BENCH_KEYS overrides it (the smoke test uses a few hundred).
 */
export const KEY_COUNT = Number(process.env.BENCH_KEYS || 10_000);
if (!Number.isInteger(KEY_COUNT) || KEY_COUNT < 10) {
  throw new Error('BENCH_KEYS must be an integer >= 10');
}

/** Calls `write(key)` for every key, `concurrency` at a time (fills the working set). */
export async function fillKeys(keys, write, concurrency = 50) {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) await write(keys[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Report sections (a system's `family`), in report order. */
export const FAMILIES = ['memory', 'sqlite', 'file', 'redis'];

/** Value sizes in bytes: 100 B and 10 KiB. */
export const VALUE_SIZES = [100, 10 * 1024];

/** Value size of the scaling runs (scaling.mjs), in bytes. */
export const SCALING_VALUE_BYTES = 100;

/** `100 B` / `10 KiB`. */
export function sizeLabel(size) {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}

/**
 * Keys, miss keys and the value of `size` bytes shared by every system, in
 * both input kinds: `value` (a Buffer, for byte stores) and `text` (an ASCII
 * string of `size` characters, so `size` bytes in UTF-8, for string stores).
 */
export function workload(size) {
  const keys = Array.from({ length: KEY_COUNT }, (_, i) => `bench:key:${i}`);
  const missKeys = Array.from({ length: KEY_COUNT }, (_, i) => `bench:missing:${i}`);
  const value = Buffer.alloc(size);
  for (let i = 0; i < size; i++) value[i] = (i * 31 + 7) & 0xff;
  let text = '';
  for (let i = 0; i < size; i++) text += String.fromCharCode(33 + ((i * 31 + 7) % 94));
  return { keys, missKeys, value, text };
}

/** What each system is given as a value: `Buffer` (default) or `string`. */
export const INPUTS = ['Buffer', 'string'];

/** The value `system` is given from `data`: its `input` kind (Buffer unless it says `string`). */
export function inputValue(system, data) {
  const input = system.input ?? 'Buffer';
  if (!INPUTS.includes(input)) throw new Error(`${system.id}: unknown input ${input}`);
  return input === 'string' ? data.text : data.value;
}

/** The per-index function for `operation` on `system`. */
export function operationFn(system, operation, data) {
  const { keys, missKeys } = data;
  const value = inputValue(system, data);
  const k = keys.length;
  switch (operation) {
    case 'get hit':
      return (i) => system.get(keys[i % k]);
    case 'get miss':
      return (i) => system.get(missKeys[i % k]);
    case 'set':
      return (i) => system.set(keys[i % k], value);
    case 'mixed 90/10':
      return (i) => (i % 10 === 9 ? system.set(keys[i % k], value) : system.get(keys[i % k]));
    default:
      throw new Error(`unknown operation ${operation}`);
  }
}

/**
 * Runs up to `n` calls of `fn` with `concurrency` callers, each awaiting its
 * call before the next, stopping early once `budgetMs` of wall-clock time
 * has passed. With `latencies`, each call's duration (µs) is appended.
 * @returns {Promise<{ ops: number, seconds: number }>}
 */
export async function runBatch(fn, n, concurrency, { budgetMs = Infinity, latencies } = {}) {
  const started = performance.now();
  const deadline = started + budgetMs;
  let ops = 0;
  if (concurrency === 1) {
    if (latencies === undefined) {
      for (; ops < n; ops++) {
        await fn(ops);
        if ((ops & 31) === 31 && performance.now() > deadline) {
          ops++;
          break;
        }
      }
    } else {
      for (; ops < n; ops++) {
        const t = performance.now();
        await fn(ops);
        const end = performance.now();
        latencies.push((end - t) * 1000);
        if (end > deadline) {
          ops++;
          break;
        }
      }
    }
  } else {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        if (performance.now() > deadline) break;
        const i = next++;
        if (latencies === undefined) {
          await fn(i);
        } else {
          const t = performance.now();
          await fn(i);
          latencies.push((performance.now() - t) * 1000);
        }
        ops++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  }
  return { ops, seconds: (performance.now() - started) / 1000 };
}

/** The `q` quantile (0..1) of `values` (sorted copy, nearest rank). */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Operations per batch for `system` at `scale` (at least 20). */
export function batchSize(system, operation, scale) {
  const base =
    system.opCounts?.[operation] ??
    (operation === 'set' ? (system.setOps ?? system.ops) : system.ops);
  let n = Math.max(20, Math.ceil(base * scale));
  if (system.maxBatch !== undefined) n = Math.min(n, system.maxBatch);
  return n;
}

/**
 * The quantile of a system's per-round batch throughputs that is reported as
 * its ops/s: 0.9 is the third best of 20 batches — near the least disturbed
 * batch, but not one lucky batch that skipped the garbage collection every
 * other batch paid for.
 */
export const THROUGHPUT_QUANTILE = 0.9;

/** Latency sample batches per measured operation, spread over the rounds. */
export const LATENCY_ROUNDS = 3;

/** Wall-clock cap of one latency sample batch and of the warm-up (ms); at most 1,000 calls each. */
export const LATENCY_BATCH_MS = 75;

/** The rounds (of `rounds`) that also take a latency sample batch. */
export function latencyRounds(rounds) {
  const picked = new Set();
  for (let k = 0; k < LATENCY_ROUNDS; k++) picked.add(Math.floor((k * rounds) / LATENCY_ROUNDS));
  return picked;
}

let measurements = 0;

/**
 * Measures `operation` on every system of `systems` in interleaved rounds:
 * each round runs one short throughput batch (at most `budgetMs` ms of wall
 * clock) per system, in an order that rotates by one each round, so a noisy
 * neighbour hits all of them alike and systems listed next to each other
 * (see `orderForPairs`) run back to back in all rounds but one. A system's
 * throughput is its {@link THROUGHPUT_QUANTILE} batch; `perRound` keeps every
 * batch (ops/s by round) so ratios can be taken round by round. Latency comes
 * from {@link LATENCY_ROUNDS} separately timed sample batches.
 * @returns {Promise<Map<object, { opsPerSec: number, perRound: number[], p50: number, p99: number, ops: number, measurement: number }>>}
 */
export async function measureOperation(systems, operation, data, { scale, rounds, budgetMs }) {
  const measurement = ++measurements;
  const sampled = latencyRounds(rounds);
  const plans = systems.map((system) => ({
    system,
    fn: operationFn(system, operation, data),
    n: batchSize(system, operation, scale),
    concurrency: system.concurrency ?? 1,
    perRound: [],
    latencies: [],
    ops: 0,
  }));
  for (const plan of plans) {
    await plan.system.beforeBatch?.();
    await runBatch(plan.fn, Math.min(plan.n, 2000), plan.concurrency, {
      budgetMs: LATENCY_BATCH_MS,
    });
  }
  for (let round = 0; round < rounds; round++) {
    for (let step = 0; step < plans.length; step++) {
      const plan = plans[(round + step) % plans.length];
      await plan.system.beforeBatch?.();
      const batch = await runBatch(plan.fn, plan.n, plan.concurrency, { budgetMs });
      plan.perRound[round] = batch.ops / batch.seconds;
      plan.ops += batch.ops;
    }
    if (!sampled.has(round)) continue;
    for (const plan of plans) {
      await plan.system.beforeBatch?.();
      await runBatch(plan.fn, Math.min(plan.n, 1000), plan.concurrency, {
        budgetMs: LATENCY_BATCH_MS,
        latencies: plan.latencies,
      });
    }
  }
  return new Map(
    plans.map((plan) => [
      plan.system,
      {
        opsPerSec: quantile(plan.perRound, THROUGHPUT_QUANTILE),
        perRound: plan.perRound,
        p50: quantile(plan.latencies, 0.5),
        p99: quantile(plan.latencies, 0.99),
        ops: plan.ops,
        measurement,
      },
    ]),
  );
}
