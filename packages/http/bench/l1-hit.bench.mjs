// Hit latency of cacheHandler over an in-process memory backend (no sockets):
// the middleware's own overhead per cached GET. Run: `pnpm bench` (builds first).
import { createCache } from '@cachestack/cache';
import { MemoryBackend } from '@cachestack/memory';
import { cacheHandler } from '../dist/index.js';

const backend = new MemoryBackend();
const cache = createCache({ backend, namespace: 'http' });
const body = 'x'.repeat(1024);
let runs = 0;
const handler = cacheHandler(
  () => {
    runs++;
    return new Response(body, { headers: { 'content-type': 'text/plain' } });
  },
  { cache, ttlMs: 60_000 },
);
const request = () => new Request('http://bench.test/items/1?b=2&a=1');

await (await handler(request())).arrayBuffer();
const iterations = 20_000;
const started = process.hrtime.bigint();
for (let index = 0; index < iterations; index++) {
  await (await handler(request())).arrayBuffer();
}
const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
console.log(
  `${iterations} hits (1 KiB body): ${((elapsedMs * 1000) / iterations).toFixed(1)} µs/hit, ${Math.round((iterations / elapsedMs) * 1000)} hits/s, handler runs ${runs}`,
);
await backend.close();
