// Tags: what a get hit costs with and without tags (memory, tiered L1 hit,
// Redis), and how long invalidateTags takes for 10, 10k and 1M tagged entries.
// Run from packages/cache after `npx tsup`: `node bench/tags.bench.mjs`
// (needs redis-server on PATH; SIZES=10,10000 to skip the 1M run).
// A/B loops are interleaved round by round; each line gives the median and
// the spread (min–max) over the rounds, since the machine may be shared.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisInvalidationBus, TieredBackend } from '@cachestack/tiered';
import { Redis } from 'ioredis';
import { createCache } from '../dist/index.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const SIZES = (process.env.SIZES ?? '10,10000,1000000').split(',').map(Number);
const value = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'], active: true };
const TAGS = ['user:42', 'team:7', 'org:1'];

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  child.once('error', (error) => {
    console.error(
      `redis-server could not start (${error.message}): install it, e.g. apt-get install redis-server`,
    );
    process.exit(1);
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(url, {
      lazyConnect: true,
      retryStrategy: null,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      await probe.quit();
      return { url, stop: () => child.kill('SIGTERM') };
    } catch {
      probe.disconnect();
      await sleep(50);
    }
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not answer');
}

const stats = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) };
};
const fmt = ({ median, min, max }, unit) =>
  `${median.toFixed(2)} ${unit} (spread ${min.toFixed(2)}–${max.toFixed(2)})`;

/** Interleaves A and B loops ROUNDS times; returns µs/op samples for each. */
async function ab(iterations, a, b) {
  const samples = { a: [], b: [] };
  for (let i = 0; i < Math.min(iterations, 2_000); i++) {
    await a();
    await b();
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of round % 2 === 0
      ? [
          ['a', a],
          ['b', b],
        ]
      : [
          ['b', b],
          ['a', a],
        ]) {
      const started = performance.now();
      for (let i = 0; i < iterations; i++) await fn();
      samples[name].push(((performance.now() - started) * 1_000) / iterations);
    }
  }
  return { a: stats(samples.a), b: stats(samples.b) };
}

async function hitCost(label, cache, iterations) {
  await cache.set('plain', value, { ttlMs: 600_000 });
  await cache.set('tagged', value, { ttlMs: 600_000, tags: TAGS });
  if ((await cache.get('tagged')) === undefined) throw new Error('tagged entry is not a hit');
  const { a, b } = await ab(
    iterations,
    () => cache.get('plain'),
    () => cache.get('tagged'),
  );
  console.log(
    `${label.padEnd(22)} get hit untagged ${fmt(a, 'µs')} | with ${TAGS.length} tags ${fmt(b, 'µs')}`,
  );
}

async function invalidationTime(label, makeCache, size) {
  const cache = await makeCache();
  const chunk = 1_000;
  const started = performance.now();
  for (let i = 0; i < size; i += chunk) {
    const entries = [];
    for (let j = i; j < Math.min(size, i + chunk); j++) {
      entries.push({ key: `e${j}`, value: j, ttlMs: 3_600_000, tags: ['bulk', `item:${j}`] });
    }
    await cache.setMany(entries);
  }
  const filledMs = performance.now() - started;
  const samples = [];
  for (let round = 0; round < ROUNDS; round++) {
    const t = performance.now();
    await cache.invalidateTags(['bulk']);
    samples.push(performance.now() - t);
  }
  if ((await cache.get(`e${size - 1}`)) !== undefined) throw new Error('entry survived');
  console.log(
    `${label.padEnd(22)} invalidateTags, ${size.toLocaleString('en-US').padStart(9)} tagged entries: ${fmt(stats(samples), 'ms')} (filling took ${(filledMs / 1000).toFixed(1)} s)`,
  );
}

console.log(`Node ${process.version}, ${ROUNDS} interleaved rounds`);
const redis = await startRedis();
const clients = [];
const client = () => {
  const c = new Redis(redis.url);
  clients.push(c);
  return c;
};
try {
  // get-hit cost
  const memory = new MemoryBackend();
  await hitCost('memory', createCache({ backend: memory, namespace: 'b' }), 50_000);
  const busClient = client();
  const bus = new RedisInvalidationBus({ client: busClient });
  const tiered = new TieredBackend({
    tiers: [
      { backend: new MemoryBackend(), maxTtlMs: 600_000 },
      new RedisBackend({ client: busClient, namespace: 'tiered' }),
    ],
    invalidation: { bus, namespace: 'tiered' },
  });
  await tiered.ready();
  await hitCost('tiered (L1 hit)', createCache({ backend: tiered, namespace: 'b' }), 50_000);
  const redisBackend = new RedisBackend({ client: client(), namespace: 'plain' });
  await hitCost('redis', createCache({ backend: redisBackend, namespace: 'b' }), 3_000);

  // invalidation time
  for (const size of SIZES) {
    await invalidationTime(
      'memory',
      () =>
        createCache({
          backend: new MemoryBackend({ maxEntries: size + 1_000 }),
          namespace: `m${size}`,
        }),
      size,
    );
    await invalidationTime(
      'redis',
      () =>
        createCache({
          backend: new RedisBackend({ client: client(), namespace: `r${size}` }),
          namespace: 'b',
        }),
      size,
    );
  }
  await tiered.close();
  await bus.close();
} finally {
  for (const c of clients) c.disconnect();
  redis.stop();
}
