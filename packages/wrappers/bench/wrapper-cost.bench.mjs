// Cost of each wrapper on a get: over a MemoryBackend and over a real Redis
// (a redis-server started here), for 100 B and 10 KiB JSON values.
// Run after building: `pnpm --filter @cachestack/wrappers bench` (or
// `npx tsup && node bench/wrapper-cost.bench.mjs`). Prints the median
// time per sequential get of several rounds.
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import {
  AdaptiveTimeoutBackend,
  CircuitBreakerBackend,
  CompressionBackend,
  EncryptionBackend,
  EncryptionKey,
  LoadSheddingBackend,
  presetBackend,
  RetryBackend,
} from '../dist/index.js';
import { startRedis } from './redis-process.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const MEMORY_OPS = Number(process.env.MEMORY_OPS ?? 100_000);
const REDIS_OPS = Number(process.env.REDIS_OPS ?? 5_000);
const keys = [EncryptionKey.generate(1)];

function jsonValue(bytes) {
  let text = '';
  for (let i = 0; text.length < bytes; i += 1) {
    text += JSON.stringify({
      id: i,
      name: `user-${i}`,
      email: `user${i}@example.com`,
      plan: i % 3 ? 'free' : 'pro',
    });
  }
  return Buffer.from(text.slice(0, bytes));
}

const VALUES = { '100 B': jsonValue(100), '10 KiB': jsonValue(10 * 1024) };

const WRAPPERS = {
  none: (inner) => inner,
  compression: (inner) => new CompressionBackend(inner),
  encryption: (inner) => new EncryptionBackend(inner, { keys }),
  'adaptive timeout': (inner) => new AdaptiveTimeoutBackend(inner),
  'load shedding': (inner) => new LoadSheddingBackend(inner),
  retry: (inner) => new RetryBackend(inner),
  'circuit breaker': (inner) => new CircuitBreakerBackend(inner),
  'preset production': (inner) => presetBackend('production', inner),
  'preset secure': (inner) => presetBackend('secure', inner, { encryption: { keys } }),
};

const errors = new Map();

async function timePerOp(backend, ops) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i += 1) {
    try {
      await backend.get('k');
    } catch (error) {
      // Counted and reported: e.g. an adaptive timeout hit by a pause of this shared machine.
      const name = `${backend.backendType} ${error.code}`;
      errors.set(name, (errors.get(name) ?? 0) + 1);
    }
  }
  return Number(process.hrtime.bigint() - started) / ops;
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(store, makeInner, ops) {
  const rows = [];
  for (const [size, value] of Object.entries(VALUES)) {
    const backends = Object.entries(WRAPPERS).map(([name, wrap]) => [name, wrap(makeInner())]);
    for (const [, backend] of backends) {
      await backend.set('k', value);
      await timePerOp(backend, Math.min(ops, 2_000)); // warm-up
    }
    const times = new Map(backends.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, backend] of backends) times.get(name).push(await timePerOp(backend, ops));
    }
    const base = median(times.get('none'));
    for (const [name] of backends) {
      const ns = median(times.get(name));
      rows.push({
        store,
        size,
        wrapper: name,
        'µs/get': (ns / 1000).toFixed(2),
        'vs none': `${(ns / base).toFixed(2)}×`,
      });
    }
    await Promise.all(backends.map(([, backend]) => backend.close()));
  }
  return rows;
}

const redis = await startRedis();
try {
  let namespace = 0;
  const rows = [
    ...(await measure('memory', () => new MemoryBackend(), MEMORY_OPS)),
    ...(await measure(
      'redis',
      () => new RedisBackend({ url: redis.url, namespace: `bench-${namespace++}` }),
      REDIS_OPS,
    )),
  ];
  console.log(
    `Node ${process.version}, ${ROUNDS} rounds, median; memory ${MEMORY_OPS} gets/round, redis ${REDIS_OPS} sequential gets/round`,
  );
  console.table(rows);
  if (errors.size > 0) console.log('errors during the runs:', Object.fromEntries(errors));
} finally {
  await redis.stop();
}
