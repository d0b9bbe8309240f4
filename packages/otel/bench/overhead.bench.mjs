// What recording costs: a memory get hit (awaited) with no subscriber, with
// @cachestack/otel recording metrics only, and with metrics and spans (the
// SDK's BasicTracerProvider with no processor: spans are built and ended,
// then dropped). Run after `pnpm turbo run build --filter=@cachestack/otel...`
// with `node bench/overhead.bench.mjs` (or `pnpm --filter @cachestack/otel bench`).
// Env: BENCH_OPS (gets per round, default 200,000), BENCH_ROUNDS (default 9).
// Rounds interleave the three setups; each reports its median ns per get.
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error(
    'bench: dist/index.js is missing; build first with `pnpm --filter @cachestack/otel build`.',
  );
  process.exit(1);
}
const { instrumentCachestack } = await import('../dist/index.js');
const { MemoryBackend } = await import('@cachestack/memory');
const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');

const OPS = Number(process.env.BENCH_OPS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const backend = new MemoryBackend();
const keys = Array.from({ length: 1_000 }, (_, index) => `key:${index}`);
for (const key of keys) await backend.set(key, new Uint8Array(100));

/** ns per awaited get hit over OPS gets. */
async function round() {
  const started = process.hrtime.bigint();
  for (let index = 0; index < OPS; index++) await backend.get(keys[index % keys.length]);
  return Number(process.hrtime.bigint() - started) / OPS;
}

const setups = {
  'no subscriber': () => undefined,
  'metrics only': () =>
    instrumentCachestack({
      meterProvider: new MeterProvider({ readers: [new Reader()] }),
      spans: false,
    }),
  'metrics + spans': () =>
    instrumentCachestack({
      meterProvider: new MeterProvider({ readers: [new Reader()] }),
      tracerProvider: new BasicTracerProvider(),
    }),
};

const results = Object.fromEntries(Object.keys(setups).map((name) => [name, []]));
await round(); // warm up
for (let index = 0; index < ROUNDS; index++) {
  for (const [name, setup] of Object.entries(setups)) {
    const instrumentation = setup();
    results[name].push(await round());
    instrumentation?.disable();
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(results['no subscriber']);
console.log(
  `memory get hit, awaited, ${OPS} gets x ${ROUNDS} rounds (median ns per get; Node ${process.version})`,
);
for (const [name, values] of Object.entries(results)) {
  const ns = median(values);
  console.log(`  ${name.padEnd(16)} ${ns.toFixed(0).padStart(6)} ns  (${(ns / base).toFixed(2)}x)`);
}
await backend.close();
