// Benchmark: get throughput of raw ioredis vs RedisBackend.
// Starts its own redis-server on a free loopback port and stops it at the end.
// Usage: pnpm run bench   (builds first: the benchmark imports ../dist/index.js)
import { Redis } from 'ioredis';
import { RedisBackend } from '../dist/index.js';
import { startServer } from './redis-servers.mjs';

const DURATION_MS = Number(process.env.BENCH_MS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 100;
const KEYS = 1000;
const VALUE = Buffer.alloc(100, 7);

async function measure(concurrency, get) {
  let ops = 0;
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const end = started + DURATION_MS;
  async function worker(offset) {
    let i = offset;
    while (performance.now() < end) {
      for (let n = 0; n < 64; n++) {
        await get(`key:${i++ % KEYS}`);
        ops++;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w * 7)));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  return { ops, seconds, perSecond: ops / seconds, cpuMicrosPerGet: (cpu.user + cpu.system) / ops };
}

const server = await startServer();
try {
  const sequentialClient = new Redis({ port: server.port, host: '127.0.0.1' });
  const pipelinedClient = new Redis({
    port: server.port,
    host: '127.0.0.1',
    enableAutoPipelining: true,
  });
  const backend = new RedisBackend({ url: `redis://127.0.0.1:${server.port}`, namespace: 'bench' });
  await backend.setMany(
    Array.from({ length: KEYS }, (_, i) => ({ key: `key:${i}`, value: VALUE })),
  );
  await sequentialClient.mset(
    Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`key:${i}`, VALUE])),
  );
  const scenarios = [
    ['raw ioredis `getBuffer`, sequential', 1, (key) => sequentialClient.getBuffer(key)],
    [
      'raw ioredis `getBuffer`, enableAutoPipelining',
      CONCURRENCY,
      (key) => pipelinedClient.getBuffer(key),
    ],
    ['RedisBackend `get`, sequential', 1, (key) => backend.get(key)],
    ['RedisBackend `get` (coalesced MGET)', CONCURRENCY, (key) => backend.get(key)],
  ];
  // Rounds interleave the scenarios so load from other processes hits them alike;
  // each row reports the median round.
  const results = scenarios.map(() => []);
  for (const [, concurrency, get] of scenarios) await measure(concurrency, get); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, [, concurrency, get]] of scenarios.entries()) {
      results[index].push(await measure(concurrency, get));
    }
  }
  const rows = scenarios.map(([name, concurrency], index) => {
    const sorted = results[index].sort((a, b) => a.perSecond - b.perSecond);
    return { name, concurrency, ...sorted[Math.floor(sorted.length / 2)] };
  });
  console.log(
    `\nget throughput, ${VALUE.length}-byte values, median of ${ROUNDS} rounds of ${DURATION_MS} ms, Node ${process.version}\n`,
  );
  console.log(
    '| scenario | concurrent callers | gets (median round) | gets/s | client CPU µs/get |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.name} | ${row.concurrency} | ${row.ops} | ${Math.round(row.perSecond).toLocaleString('en-US')} | ${row.cpuMicrosPerGet.toFixed(2)} |`,
    );
  }
  sequentialClient.disconnect();
  pipelinedClient.disconnect();
  await backend.close();
} finally {
  await server.stop();
}
