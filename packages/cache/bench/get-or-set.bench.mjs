// Measures the facade's overhead on a hit: raw MemoryBackend.get (bytes)
// versus cache.get and cache.getOrSet (envelope check + deserialize), then
// the same hits with a subscriber on the `cachestack:cache` tracing channel.
// Run from packages/cache after `npx tsup`: `node bench/get-or-set.bench.mjs`.
import diagnosticsChannel from 'node:diagnostics_channel';
import { MemoryBackend } from '@cachestack/memory';
import { createCache } from '../dist/index.js';

const ITERATIONS = Number(process.env.ITERATIONS ?? 100_000);
const value = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true };

const ROUNDS = 3;

/** Best of {@link ROUNDS} timed loops (the machine may be shared; the best round is the least disturbed). */
async function measure(name, fn) {
  for (let i = 0; i < 5_000; i++) await fn(); // warm-up
  let elapsed = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < ITERATIONS; i++) await fn();
    elapsed = Math.min(elapsed, performance.now() - started);
  }
  const perOp = (elapsed * 1_000) / ITERATIONS;
  console.log(
    `${name.padEnd(34)} ${Math.round(ITERATIONS / (elapsed / 1_000))
      .toLocaleString('en-US')
      .padStart(10)} ops/s  ${perOp.toFixed(2)} µs/op`,
  );
  return perOp;
}

const backend = new MemoryBackend();
const cache = createCache({ backend, namespace: 'bench' });
const rawBytes = new TextEncoder().encode(JSON.stringify(value));
await backend.set('raw', rawBytes);
await cache.set('user', value);
await cache.set('text', 'hello world');
const loader = async () => value;

console.log(
  `Node ${process.version}, best of ${ROUNDS} × ${ITERATIONS.toLocaleString('en-US')} iterations each`,
);
const raw = await measure('backend.get (raw bytes)', () => backend.get('raw'));
await measure('backend.get + JSON.parse', async () =>
  JSON.parse(new TextDecoder().decode(await backend.get('raw'))),
);
const get = await measure('cache.get (object)', () => cache.get('user'));
await measure('cache.get (string fast path)', () => cache.get('text'));
const hit = await measure('cache.getOrSet hit (object)', () =>
  cache.getOrSet('user', loader, { ttlMs: 60_000 }),
);
console.log(
  `overhead vs raw get: cache.get ${(get - raw).toFixed(2)} µs, getOrSet hit ${(hit - raw).toFixed(2)} µs`,
);
const noop = () => undefined;
const subscriber = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
const channel = diagnosticsChannel.tracingChannel('cachestack:cache');
channel.subscribe(subscriber);
const tracedGet = await measure('cache.get, traced (object)', () => cache.get('user'));
const tracedHit = await measure('cache.getOrSet hit, traced (object)', () =>
  cache.getOrSet('user', loader, { ttlMs: 60_000 }),
);
channel.unsubscribe(subscriber);
console.log(
  `with a tracing subscriber: cache.get +${(tracedGet - get).toFixed(2)} µs, getOrSet hit +${(tracedHit - hit).toFixed(2)} µs`,
);
console.log('stats', cache.stats());
await backend.close();
