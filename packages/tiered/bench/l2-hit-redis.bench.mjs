// Sequential L1 miss + Redis L2 hit + backfill of TieredBackend(memory, redis),
// against the floors it is built on, in interleaved rounds on one server:
//   raw ioredis GET (the floor for any read), raw ioredis EVALSHA of the
//   GET+PTTL script (the floor for a value and its TTL in one round trip),
//   RedisBackend.get and RedisBackend.getWithTtl (the L2 adapter alone),
//   getWithTtl + MemoryBackend.set by hand (what any backfilled hit must do),
//   tiered over the TTL-read protocol, and tiered over an L2 that only offers
//   get + getTtl (what an L2 that refuses scripts gets: the caller resolves
//   after the GET, the PTTL for the backfill runs in the background).
// TIERED_DIST=/path/to/dist/index.js measures another build of this package
// (e.g. the previous commit's) for before/after figures.
// Starts its own redis-server on a free loopback port and stops it at the end.
// Run after building: `pnpm bench` (tsup, then this file after l1-hit.bench.mjs).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@cachestack/memory';
import { GET_WITH_TTL_SCRIPT, RedisBackend } from '@cachestack/redis';
import { Redis } from 'ioredis';

const { TieredBackend } = await import(process.env.TIERED_DIST ?? '../dist/index.js');

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const KEYS = Number(process.env.KEYS ?? 4000);
const VALUE = Buffer.alloc(100, 7);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cachestack-tiered-bench-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore', cwd: dir },
  );
  child.once('error', () => {
    console.error('redis-server not found: install it with `apt-get install -y redis-server`');
    process.exit(1);
  });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => {});
  for (let attempt = 0; ; attempt++) {
    try {
      await probe.ping();
      break;
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  probe.disconnect();
  return {
    port,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const quantile = (numbers, q) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * q)];
};

const server = await startRedis();
try {
  const raw = new Redis({ port: server.port, host: '127.0.0.1' });
  raw.defineCommand('getWithTtl', { numberOfKeys: 1, lua: GET_WITH_TTL_SCRIPT });
  const l2 = new RedisBackend({ url: `redis://127.0.0.1:${server.port}`, namespace: 'bench' });
  // The same Redis tier seen through the base contract + getTtl only: the old two-round-trip path.
  const l2WithoutTtlRead = {
    backendType: 'redis',
    get: (key) => l2.get(key),
    set: (key, value, ttlMs) => l2.set(key, value, ttlMs),
    delete: (key) => l2.delete(key),
    exists: (key) => l2.exists(key),
    getTtl: (key) => l2.getTtl(key),
    refreshTtl: (key, ttlMs) => l2.refreshTtl(key, ttlMs),
    healthCheck: () => l2.healthCheck(),
    close: async () => {},
  };
  const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
  await l2.setMany(keys.map((key) => ({ key, value: VALUE, ttlMs: 3_600_000 })));
  const rawKeys = keys.map((key) => `raw:${key}`);
  for (const key of rawKeys) await raw.set(key, VALUE, 'PX', 3_600_000);
  // Each round reads every key once through a fresh (empty) L1: every read is an L2 hit.
  const tieredRound = async (lower) => {
    // Not closed: closing a TieredBackend closes its tiers, and the Redis tier is shared.
    const cache = new TieredBackend({ tiers: [new MemoryBackend(), lower] });
    for (const key of keys) {
      if ((await cache.get(key)) === undefined) throw new Error(`L2 miss for ${key}`);
    }
  };
  const cases = [
    [
      'raw ioredis GET (floor)',
      async () => {
        for (const key of rawKeys) await raw.getBuffer(key);
      },
    ],
    [
      'raw ioredis GET+PTTL script (EVALSHA)',
      async () => {
        for (const key of rawKeys) await raw.getWithTtlBuffer(key);
      },
    ],
    [
      'RedisBackend.get',
      async () => {
        for (const key of keys) await l2.get(key);
      },
    ],
    [
      'RedisBackend.getWithTtl',
      async () => {
        for (const key of keys) await l2.getWithTtl(key);
      },
    ],
    [
      // What any backfilled L2 hit must do: read value + TTL, store a copy in a fresh L1.
      'floor for a backfilled hit: getWithTtl, then MemoryBackend.set',
      async () => {
        const l1 = new MemoryBackend();
        for (const key of keys) {
          const found = await l2.getWithTtl(key);
          await l1.set(key, found.value, found.ttlMs);
        }
      },
    ],
    ['tiered L2 hit, one round trip (GET+PTTL script)', () => tieredRound(l2)],
    ['tiered L2 hit, get + background getTtl', () => tieredRound(l2WithoutTtlRead)],
  ];
  const micros = cases.map(() => []);
  for (let round = -1; round < ROUNDS; round++) {
    // Interleaved, order alternating, so load from other processes hits every case alike.
    const order = round % 2 === 0 ? [...cases.keys()] : [...cases.keys()].reverse();
    for (const index of order) {
      const started = performance.now();
      await cases[index][1]();
      if (round >= 0) micros[index].push(((performance.now() - started) * 1000) / KEYS);
    }
  }
  console.log(
    `\nsequential L2 hits, ${VALUE.length}-byte values, ${KEYS} keys per round, median of ${ROUNDS} interleaved rounds, Node ${process.version}\n`,
  );
  const ratio = (index, base) => {
    const ratios = micros[index].map((value, round) => value / micros[base][round]);
    return `${quantile(ratios, 0.5).toFixed(2)}× (${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)})`;
  };
  console.log(
    '| case | µs/op (median) | vs raw GET, per round (median, p25–p75) | vs raw script | vs RedisBackend.getWithTtl |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [index, [name]] of cases.entries()) {
    console.log(
      `| ${name} | ${quantile(micros[index], 0.5).toFixed(1)} | ${ratio(index, 0)} | ${ratio(index, 1)} | ${ratio(index, 3)} |`,
    );
  }
  raw.disconnect();
  await l2.close();
} finally {
  await server.stop();
}
