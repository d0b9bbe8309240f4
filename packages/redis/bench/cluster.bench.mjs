// Benchmark: RedisBackend on a local 3-master Cluster against raw ioredis Cluster
// clients: sequential calls (one caller: what an extra event-loop turn per call
// costs) and 100 concurrent callers (same-tick gets/sets: per-slot MGET and
// per-slot MSET/script coalescing, one socket write per node).
// Usage: pnpm run bench:cluster   (builds first: the benchmark imports ../dist/index.js)
import { Cluster } from 'ioredis';
import { RedisBackend } from '../dist/index.js';
import { startCluster } from './redis-servers.mjs';

const DURATION_MS = Number(process.env.BENCH_MS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KEYS = 1000;
const VALUE = Buffer.alloc(100, 7);

async function measure(concurrency, call) {
  let ops = 0;
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const end = started + DURATION_MS;
  async function worker(offset) {
    let i = offset;
    while (performance.now() < end) {
      for (let n = 0; n < 64; n++) {
        await call(`key:${i++ % KEYS}`);
        ops++;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w * 7)));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  return { ops, perSecond: ops / seconds, cpuMicrosPerOp: (cpu.user + cpu.system) / ops };
}

const cluster = await startCluster();
try {
  const plainRaw = new Cluster(cluster.nodes);
  const pipelinedRaw = new Cluster(cluster.nodes, { enableAutoPipelining: true });
  const backend = new RedisBackend({ cluster: { nodes: cluster.nodes }, namespace: 'bench' });
  await backend.setMany(
    Array.from({ length: KEYS }, (_, i) => ({ key: `key:${i}`, value: VALUE })),
  );
  for (const client of [plainRaw, pipelinedRaw]) {
    for (let i = 0; i < KEYS; i++) await client.set(`key:${i}`, VALUE);
  }
  const scenarios = [
    ['raw ioredis Cluster `getBuffer`', 1, (key) => plainRaw.getBuffer(key)],
    [
      'raw ioredis Cluster `getBuffer`, enableAutoPipelining',
      1,
      (key) => pipelinedRaw.getBuffer(key),
    ],
    ['RedisBackend `get` (corked per node)', 1, (key) => backend.get(key)],
    [
      'raw ioredis Cluster `getBuffer`, enableAutoPipelining',
      100,
      (key) => pipelinedRaw.getBuffer(key),
    ],
    ['RedisBackend `get` (per-slot MGET)', 100, (key) => backend.get(key)],
    ['raw ioredis Cluster `set`', 1, (key) => plainRaw.set(key, VALUE)],
    ['raw ioredis Cluster `set`, enableAutoPipelining', 1, (key) => pipelinedRaw.set(key, VALUE)],
    ['RedisBackend `set` (corked per node)', 1, (key) => backend.set(key, VALUE)],
    ['raw ioredis Cluster `set`, enableAutoPipelining', 100, (key) => pipelinedRaw.set(key, VALUE)],
    ['RedisBackend `set` (per-slot MSET)', 100, (key) => backend.set(key, VALUE)],
  ];
  // Rounds interleave the scenarios so load from other processes hits them alike.
  const results = scenarios.map(() => []);
  for (const [, concurrency, call] of scenarios) await measure(concurrency, call); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, [, concurrency, call]] of scenarios.entries()) {
      results[index].push(await measure(concurrency, call));
    }
  }
  console.log(
    `\n3-master Cluster, ${VALUE.length}-byte values, median of ${ROUNDS} rounds of ${DURATION_MS} ms, Node ${process.version}\n`,
  );
  console.log('| scenario | concurrent callers | ops/s | client CPU µs/op |');
  console.log('| --- | ---: | ---: | ---: |');
  scenarios.forEach(([name, concurrency], index) => {
    const sorted = results[index].sort((a, b) => a.perSecond - b.perSecond);
    const row = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `| ${name} | ${concurrency} | ${Math.round(row.perSecond).toLocaleString('en-US')} | ${row.cpuMicrosPerOp.toFixed(2)} |`,
    );
  });
  plainRaw.disconnect();
  pipelinedRaw.disconnect();
  await backend.close();
} finally {
  await cluster.stop();
}
