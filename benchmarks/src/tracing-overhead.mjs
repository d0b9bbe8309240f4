// What tracing costs: a memory `get` hit and a tiered (memory over memory)
// L1 hit, each without a subscriber and with one (no-op handlers on every
// tracing event), against the same code before tracing existed.
//
//   PRE_TRACING=/tmp/pre-tracing node src/tracing-overhead.mjs
//
// PRE_TRACING is a checkout of the commit before tracing (dc6f2ce~1) with
// its memory and tiered packages built:
//   git worktree add /tmp/pre-tracing dc6f2ce~1
//   (cd /tmp/pre-tracing && pnpm install --offline --frozen-lockfile --ignore-scripts \
//     --filter "@cachestack/memory..." --filter "@cachestack/tiered..." \
//     && pnpm turbo run build --filter=@cachestack/tiered... --filter=@cachestack/memory...)
// Without PRE_TRACING the baseline is this build with no subscriber, so only
// the cost of a subscriber is reported.
//
// Each case runs in two fresh processes: one that never has a subscriber and
// one subscribed from the start (subscribing and unsubscribing in one
// process would make the call sites polymorphic and bill that to the
// no-subscriber side). In each, rounds interleave this build and the
// baseline (rotating their order), and every ratio is taken within a round,
// so machine noise hits both sides alike. Reported: the median ratio and its
// spread (p25–p75) over the rounds.
// BENCH_ROUNDS (default 30) and BENCH_OPS (operations per batch, default
// 200000) override the sizes.
import { spawnSync } from 'node:child_process';
import { tracingChannel } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 30);
const OPS = Number(process.env.BENCH_OPS || 200_000);
const KEYS = 1_000;
const PRE = process.env.PRE_TRACING;

const current = {
  memory: await import('@cachestack/memory'),
  tiered: await import('@cachestack/tiered'),
};
const pre =
  PRE === undefined
    ? undefined
    : {
        memory: await import(pathToFileURL(join(PRE, 'packages/memory/dist/index.js')).href),
        tiered: await import(pathToFileURL(join(PRE, 'packages/tiered/dist/index.js')).href),
      };

const keys = Array.from({ length: KEYS }, (_, i) => `bench:key:${i}`);
const value = Buffer.alloc(100, 7);

/** A no-op subscriber on every tracing channel the two cases publish on. */
const noop = () => {};
const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
const CHANNELS = ['cachestack:backend', 'cachestack:tiered'];
const subscribe = () => {
  for (const name of CHANNELS) tracingChannel(name).subscribe(handlers);
};
const unsubscribe = () => {
  for (const name of CHANNELS) tracingChannel(name).unsubscribe(handlers);
};

async function memoryCase(lib) {
  const backend = new lib.memory.MemoryBackend();
  for (const key of keys) await backend.set(key, value);
  return backend;
}

async function tieredCase(lib) {
  const backend = new lib.tiered.TieredBackend({
    tiers: [new lib.memory.MemoryBackend(), new lib.memory.MemoryBackend()],
  });
  for (const key of keys) await backend.set(key, value);
  return backend;
}

/**
 * The tiered layer alone: the baseline is the pre-tracing `TieredBackend`
 * over this build's memory tiers, so only the tiered layer differs.
 */
async function tieredOwnCase(lib) {
  return tieredCase(lib === current ? current : { tiered: lib.tiered, memory: current.memory });
}

/** ns per `get` hit over one batch of OPS sequential awaited calls. */
async function batch(backend) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) {
    if ((await backend.get(keys[i % KEYS])) === undefined) throw new Error('expected a hit');
  }
  return Number(process.hrtime.bigint() - started) / OPS;
}

function quantile(sorted, q) {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

const summary = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
  };
};

/**
 * Interleaved rounds of `current` against the baseline in THIS process. A
 * process either has a subscriber from the start (`traced`) or never has
 * one: subscribing and unsubscribing between rounds would make the call
 * sites polymorphic and charge that to the no-subscriber variant.
 */
async function measure(build, traced) {
  const variants = [{ id: 'current', backend: await build(current) }];
  variants.push(
    pre === undefined
      ? { id: 'baseline', backend: await build(current) }
      : { id: 'baseline', backend: await build(pre) },
  );
  if (traced) subscribe();
  for (const variant of variants) await batch(variant.backend); // warm-up: JIT every path
  const times = new Map(variants.map((variant) => [variant.id, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + round) % variants.length];
      times.get(variant.id).push(await batch(variant.backend));
    }
  }
  if (traced) unsubscribe();
  for (const variant of variants) await variant.backend.close();
  const baseline = times.get('baseline');
  const own = times.get('current');
  return {
    nsPerOp: summary(own).median,
    baselineNsPerOp: summary(baseline).median,
    ratio: summary(own.map((ns, round) => ns / baseline[round])),
  };
}

const CASES = { memory: memoryCase, tiered: tieredCase, tieredOwn: tieredOwnCase };
const TITLES = {
  memory: 'memory get hit',
  tiered: 'tiered L1 hit (memory over memory)',
  tieredOwn: 'tiered L1 hit, the tiered layer alone (both over this build of memory)',
};

if (process.argv[2] === '--child') {
  const [, , , name, mode] = process.argv;
  const result = await measure(CASES[name], mode === 'traced');
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

/** Runs one measurement in a fresh process (its own JIT state), resolving its result. */
function child(name, mode) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name, mode], {
    encoding: 'utf8',
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`${name} ${mode}: child exited with ${run.status}`);
  return JSON.parse(run.stdout);
}

const baselineName = PRE === undefined ? 'this build, no subscriber' : `pre-tracing (${PRE})`;
console.log(`node ${process.version}; baseline: ${baselineName}; ${ROUNDS} rounds × ${OPS} ops`);
for (const name of Object.keys(CASES)) {
  console.log(`\n${TITLES[name]} (ratio to the baseline, per round: median, p25–p75)`);
  for (const mode of ['untraced', 'traced']) {
    const { nsPerOp, baselineNsPerOp, ratio } = child(name, mode);
    const label = mode === 'traced' ? 'with subscriber' : 'no subscriber';
    console.log(
      `  ${label.padEnd(16)} ${nsPerOp.toFixed(1).padStart(7)} ns/op vs ${baselineNsPerOp.toFixed(1).padStart(7)}   ratio ${ratio.median.toFixed(3)} (p25–p75 ${ratio.p25.toFixed(3)}–${ratio.p75.toFixed(3)})`,
    );
  }
}
