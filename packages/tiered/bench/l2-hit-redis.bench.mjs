// Sequential L1 miss + Redis L2 hit + backfill of TieredBackend(memory, redis),
// against the floors it is built on, in interleaved rounds on one server.
//
// Raw ioredis forms of "a value and its TTL in one round trip" (each key read
// once per round, one caller, so every call is one round trip):
//   GET alone (the floor for any read); EVALSHA of the GET+PTTL script through
//   ioredis' `defineCommand` and as a plain `Command` (what RedisBackend sends);
//   GET+PTTL pipelined in one write (NOT atomic: reference only) as plain
//   `Command`s on the corked socket and as an ioredis `Pipeline`; and
//   MULTI/GET/PTTL/EXEC (atomic) as plain `Command`s on the corked socket and
//   as ioredis `multi()`.
// Then the adapter (RedisBackend.get and .getWithTtl), getWithTtl +
// MemoryBackend.set by hand (what any backfilled hit must do), tiered over the
// TTL-read protocol, and tiered over an L2 that only offers get + getTtl (the
// path of an L2 that refuses scripts: the PTTL for the backfill runs in the
// background).
//
// Besides wall time per call, each row shows this process's CPU time and the
// redis-server's CPU time (INFO cpu) per call: on a shared machine they move
// less with other processes' load than the wall time does.
//
// TIERED_DIST / REDIS_DIST=/path/to/dist/index.js measure other builds of
// @cachestack/tiered / @cachestack/redis (e.g. the previous commit's).
// BASELINE_TIERED_DIST + BASELINE_REDIS_DIST add one more case, the tiered L2
// hit over those builds, interleaved with the others: before/after in one run. Starts its own redis-server on a free loopback port
// and stops it at the end. Run after building: `pnpm bench` (tsup, then this
// file after l1-hit.bench.mjs), or `ROUNDS=15 KEYS=3000 node bench/l2-hit-redis.bench.mjs`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@cachestack/memory';
import { Command, Redis } from 'ioredis';

const { TieredBackend } = await import(process.env.TIERED_DIST ?? '../dist/index.js');
const { GET_WITH_TTL_SCRIPT, RedisBackend } = await import(
  process.env.REDIS_DIST ?? '@cachestack/redis'
);

const baseline =
  process.env.BASELINE_TIERED_DIST && process.env.BASELINE_REDIS_DIST
    ? {
        TieredBackend: (await import(process.env.BASELINE_TIERED_DIST)).TieredBackend,
        RedisBackend: (await import(process.env.BASELINE_REDIS_DIST)).RedisBackend,
      }
    : undefined;

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

const noop = () => {};

/** Sends `commands` (plain ioredis `Command`s) in one socket write; resolves the last one's reply. */
function sendTogether(client, commands) {
  const stream = client.stream;
  stream.cork();
  const replies = commands.map((command) => client.sendCommand(command));
  stream.uncork();
  for (const reply of replies.slice(0, -1)) reply.catch(noop);
  return replies[replies.length - 1];
}

const server = await startRedis();
try {
  const raw = new Redis({ port: server.port, host: '127.0.0.1' });
  const info = new Redis({ port: server.port, host: '127.0.0.1' });
  const serverCpuSeconds = async () => {
    const text = await info.info('cpu');
    return (
      Number(/used_cpu_user:([\d.]+)/.exec(text)[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(text)[1])
    );
  };
  raw.defineCommand('getWithTtl', { numberOfKeys: 1, lua: GET_WITH_TTL_SCRIPT });
  const sha = await raw.script('LOAD', GET_WITH_TTL_SCRIPT);
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
  const baselineL2 = baseline
    ? new baseline.RedisBackend({ url: `redis://127.0.0.1:${server.port}`, namespace: 'bench' })
    : undefined;
  const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
  await l2.setMany(keys.map((key) => ({ key, value: VALUE, ttlMs: 3_600_000 })));
  const rawKeys = keys.map((key) => `raw:${key}`);
  for (const key of rawKeys) await raw.set(key, VALUE, 'PX', 3_600_000);
  // Each round reads every key once through a fresh (empty) L1: every read is an L2 hit.
  const tieredRound = async (lower, Tiered = TieredBackend) => {
    // Not closed: closing a TieredBackend closes its tiers, and the Redis tier is shared.
    const cache = new Tiered({ tiers: [new MemoryBackend(), lower] });
    for (const key of keys) {
      if ((await cache.get(key)) === undefined) throw new Error(`L2 miss for ${key}`);
    }
  };
  const GET = 0;
  const SCRIPT = 1;
  const ADAPTER = 8;
  const cases = [
    [
      'raw ioredis GET (floor)',
      async () => {
        for (const key of rawKeys) await raw.getBuffer(key);
      },
    ],
    [
      'raw EVALSHA GET+PTTL script, plain Command',
      async () => {
        for (const key of rawKeys) await raw.sendCommand(new Command('evalsha', [sha, 1, key]));
      },
    ],
    [
      'raw EVALSHA GET+PTTL script, ioredis defineCommand',
      async () => {
        for (const key of rawKeys) await raw.getWithTtlBuffer(key);
      },
    ],
    [
      'raw MULTI/GET/PTTL/EXEC, plain Commands in one write',
      async () => {
        for (const key of rawKeys) {
          await sendTogether(raw, [
            new Command('multi'),
            new Command('get', [key]),
            new Command('pttl', [key]),
            new Command('exec'),
          ]);
        }
      },
    ],
    [
      'raw MULTI/GET/PTTL/EXEC, ioredis multi()',
      async () => {
        for (const key of rawKeys) await raw.multi().getBuffer(key).pttl(key).exec();
      },
    ],
    [
      'raw GET+PTTL pipelined (not atomic), plain Commands in one write',
      async () => {
        for (const key of rawKeys) {
          await sendTogether(raw, [new Command('get', [key]), new Command('pttl', [key])]);
        }
      },
    ],
    [
      'raw GET+PTTL pipelined (not atomic), ioredis pipeline()',
      async () => {
        for (const key of rawKeys) await raw.pipeline().getBuffer(key).pttl(key).exec();
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
  if (baseline) {
    cases.push([
      'tiered L2 hit, one round trip, BASELINE builds',
      () => tieredRound(baselineL2, baseline.TieredBackend),
    ]);
  }
  const micros = cases.map(() => []);
  const clientCpu = cases.map(() => []);
  const serverCpu = cases.map(() => []);
  for (let round = -1; round < ROUNDS; round++) {
    // Interleaved, order alternating, so load from other processes hits every case alike.
    const order = round % 2 === 0 ? [...cases.keys()] : [...cases.keys()].reverse();
    for (const index of order) {
      const serverBefore = await serverCpuSeconds();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await cases[index][1]();
      const elapsed = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const serverAfter = await serverCpuSeconds();
      if (round < 0) continue;
      micros[index].push((elapsed * 1000) / KEYS);
      clientCpu[index].push((cpu.user + cpu.system) / KEYS);
      serverCpu[index].push(((serverAfter - serverBefore) * 1e6) / KEYS);
    }
  }
  console.log(
    `\nsequential L2 hits, ${VALUE.length}-byte values, ${KEYS} keys per round, median of ${ROUNDS} interleaved rounds, Node ${process.version}\n`,
  );
  const ratio = (index, base) => {
    const ratios = micros[index].map((value, round) => value / micros[base][round]);
    return `${quantile(ratios, 0.5).toFixed(2)}× (${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)})`;
  };
  const median = (values) => quantile(values, 0.5).toFixed(1);
  console.log(
    '| case | µs/op (median) | vs raw GET, per round (median, p25–p75) | vs raw EVALSHA | vs RedisBackend.getWithTtl | client CPU µs/op | server CPU µs/op |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [index, [name]] of cases.entries()) {
    console.log(
      `| ${name} | ${median(micros[index])} | ${ratio(index, GET)} | ${ratio(index, SCRIPT)} | ${ratio(index, ADAPTER)} | ${median(clientCpu[index])} | ${median(serverCpu[index])} |`,
    );
  }
  raw.disconnect();
  info.disconnect();
  await l2.close();
  await baselineL2?.close();
} finally {
  await server.stop();
}
