// Benchmark: how long another process's L1 keeps returning an old value after a
// write, with the Redis pub/sub bus vs Redis tracking (RedisTrackingInvalidation),
// on a standalone server and on a local 3-master Cluster; plus what tracking
// costs (server memory, messages per write) and the reader's L1 hit ratio.
// Usage: pnpm turbo run build --filter=@cachestack/tiered... && pnpm --filter @cachestack/redis bench:staleness
// BENCH_ROUNDS (default 300) rounds per row; BENCH_MS (default 2000) for the hit-ratio phase.

import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tracingChannel } from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import { startCluster, startServer } from './redis-servers.mjs';
import { tieredPeer } from './tiered-peer.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const HIT_RATIO_MS = Number(process.env.BENCH_MS ?? 2000);
const READER = fileURLToPath(new URL('./staleness-reader.mjs', import.meta.url));
const now = () => Number(process.hrtime.bigint()) / 1e6;

function startReader(target, source, namespace) {
  const child = fork(READER, [JSON.stringify(target), source, namespace], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message.type === type) {
          child.off('message', onMessage);
          resolve(message);
        } else if (message.type === 'timeout') {
          child.off('message', onMessage);
          reject(new Error('the reader never saw the write'));
        }
      };
      child.on('message', onMessage);
    });
  return {
    child,
    next,
    send: (message) => child.send(message),
    async exit() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'exit' });
      await exited;
    },
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** Staleness rounds: returns the sorted windows (ms) and the reader's message counts. */
async function staleness(target, source, writerKind) {
  const namespace = `stale-${randomUUID()}`;
  const reader = startReader(target, source, namespace);
  const writer = await tieredPeer(target, source, namespace, 'writer');
  const plain = target.url !== undefined ? new Redis(target.url) : new Cluster(target.nodes);
  await reader.next('ready');
  const windows = [];
  let early = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const key = `k${round % 32}`;
      await writer.cache.set(key, Buffer.from(`old-${round}`));
      reader.send({ type: 'settle', key, expect: `old-${round}` });
      const settled = await reader.next('settled');
      if (settled.inL1 !== `old-${round}`) throw new Error(`round ${round}: L1 did not settle`);
      reader.send({ type: 'watch', key, old: `old-${round}` });
      await reader.next('watching');
      const seen = reader.next('seen');
      seen.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
      let acknowledged;
      if (writerKind === 'plain') {
        await plain.set(`cs:${namespace}:d:${key}`, `new-${round}`);
        acknowledged = now();
      } else {
        await writer.cache.set(key, Buffer.from(`new-${round}`));
        acknowledged = now();
      }
      const window = (await seen).at - acknowledged;
      if (window < 0) early += 1;
      windows.push(Math.max(0, window));
    }
    reader.send({ type: 'counts' });
    const counts = await reader.next('counts');
    windows.sort((a, b) => a - b);
    return { windows, early, counts };
  } finally {
    await reader.exit();
    await writer.close();
    plain.disconnect();
  }
}

/** Tracking's server-side cost on a standalone server: memory and tracking table. */
async function trackingCost(mode) {
  const fresh = await startServer();
  const url = fresh.url;
  const probe = new Redis(url);
  const memory = async () => {
    const info = String(await probe.info('memory'));
    return Number(/used_memory:(\d+)/.exec(info)?.[1]);
  };
  const stats = async () => {
    const info = String(await probe.info('stats'));
    return {
      prefixes: Number(/tracking_total_prefixes:(\d+)/.exec(info)?.[1]),
      keys: Number(/tracking_total_keys:(\d+)/.exec(info)?.[1]),
    };
  };
  const namespace = `cost-${randomUUID()}`;
  const peers = [];
  try {
    for (let i = 0; i < 10; i++) peers.push(await tieredPeer({ url }, mode, namespace, `p${i}`));
    const KEYS = 20_000;
    const all = Array.from({ length: KEYS }, (_, i) => `key${i}`);
    await peers[0].backend.setMany(all.map((key) => ({ key, value: Buffer.alloc(100) })));
    // Every peer reads the same keys: default-mode tracking remembers each
    // (key, connection) pair; BCAST remembers only the prefix.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 300)); // client buffers shrink
    await settle();
    const before = await memory();
    for (const peer of peers) {
      for (let i = 0; i < KEYS; i += 1000) await peer.cache.getMany(all.slice(i, i + 1000));
    }
    await settle();
    const after = await memory();
    const table = await stats();
    // One write to every key: how many keys are invalidated in the 10 caches.
    const delivered = () => peers.reduce((sum, peer) => sum + peer.counts.keys, 0);
    const keysBefore = delivered();
    await peers[0].backend.setMany(all.map((key) => ({ key, value: Buffer.alloc(100, 1) })));
    // Until no more invalidations arrive for 500 ms.
    for (let last = -1; last !== delivered(); ) {
      last = delivered();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const keysPerWrite = (delivered() - keysBefore) / KEYS;
    return { peers: peers.length, bytes: after - before, keysPerWrite, ...table };
  } finally {
    for (const peer of peers) await peer.close();
    probe.disconnect();
    await fresh.stop();
  }
}
/** L1 hit ratio of a reader while another process writes: reads served without Redis. */
async function hitRatio(target, source) {
  const namespace = `ratio-${randomUUID()}`;
  const writer = await tieredPeer(target, source, namespace, 'writer');
  const reader = await tieredPeer(target, source, namespace, 'reader');
  const KEYS = 1000;
  await writer.backend.setMany(
    Array.from({ length: KEYS }, (_, i) => ({ key: `key${i}`, value: Buffer.alloc(100) })),
  );
  let redisReads = 0;
  const onStart = (context) => {
    if (context.backendType === 'redis' && context.namespace === namespace) redisReads += 1;
  };
  const channel = tracingChannel('cachestack:backend');
  const handlers = { start: onStart };
  channel.subscribe(handlers);
  let reads = 0;
  let writes = 0;
  const end = performance.now() + HIT_RATIO_MS;
  // Skewed reads (80% on 10% of the keys), one write per ms on a uniform key.
  const readLoop = (async () => {
    while (performance.now() < end) {
      const hot = Math.random() < 0.8;
      const key = hot ? Math.floor(Math.random() * (KEYS / 10)) : Math.floor(Math.random() * KEYS);
      await reader.cache.get(`key${key}`);
      reads += 1;
      if (reads % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const writeLoop = (async () => {
    while (performance.now() < end) {
      await writer.cache.set(`key${Math.floor(Math.random() * KEYS)}`, Buffer.alloc(100, writes));
      writes += 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  redisReads = 0;
  await Promise.all([readLoop, writeLoop]);
  channel.unsubscribe(handlers);
  const result = {
    reads,
    writes,
    hitRatio: 1 - redisReads / reads,
    messagesPerWrite: reader.counts.messages / writes,
  };
  await reader.close();
  await writer.close();
  return result;
}

const server = await startServer();
const cluster = await startCluster();
try {
  const targets = [
    ['standalone', { url: server.url }],
    ['3-master Cluster', { nodes: cluster.nodes }],
  ];
  const rows = [];
  for (const [topology, target] of targets) {
    for (const [source, writerKind, label] of [
      ['bus', 'tiered', 'bus (RedisInvalidationBus), writer: tiered set()'],
      ['prefix', 'tiered', "tracking 'prefix' (BCAST), writer: tiered set()"],
      ['prefix', 'plain', "tracking 'prefix' (BCAST), writer: plain ioredis SET"],
      ['reads', 'plain', "tracking 'reads' (default mode), writer: plain ioredis SET"],
    ]) {
      if (source === 'reads' && target.nodes !== undefined) continue; // single server only
      console.error(`running: ${topology}, ${label}`);
      const { windows, early, counts } = await staleness(target, source, writerKind);
      rows.push({ topology, label, windows, early, counts });
    }
  }
  console.log(
    `\nstaleness: ms from the write acknowledged (set() resolved / SET reply) to the other process's L1 no longer returning the old value; ${ROUNDS} rounds per row, Node ${process.version}\n`,
  );
  console.log('| topology | invalidation, writer | p50 ms | p99 ms | max ms | seen before ack |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const [p50, p99] = [percentile(row.windows, 50), percentile(row.windows, 99)];
    const max = row.windows.at(-1);
    console.log(
      `| ${row.topology} | ${row.label} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${max.toFixed(2)} | ${row.early} |`,
    );
  }
  console.log(
    '\ntracking cost on the server (a fresh standalone server per mode; 10 caches each read the same 20,000 keys, then each key is written once):\n',
  );
  console.log(
    '| mode | used_memory growth during the reads | tracking_total_keys | tracking_total_prefixes | keys invalidated per write (all 10 caches) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const mode of ['prefix', 'reads']) {
    const cost = await trackingCost(mode);
    console.log(
      `| ${mode} | ${cost.bytes} bytes | ${cost.keys} | ${cost.prefixes} | ${cost.keysPerWrite.toFixed(2)} |`,
    );
  }
  console.log(`\nL1 hit ratio of a reader while another process writes (${HIT_RATIO_MS} ms):\n`);
  console.log('| topology | invalidation | reads | writes | L1 hit ratio | messages per write |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const [topology, target] of targets) {
    for (const source of ['bus', 'prefix', 'reads']) {
      if (source === 'reads' && target.nodes !== undefined) continue;
      const r = await hitRatio(target, source);
      console.log(
        `| ${topology} | ${source} | ${r.reads} | ${r.writes} | ${(r.hitRatio * 100).toFixed(1)}% | ${r.messagesPerWrite.toFixed(2)} |`,
      );
    }
  }
} finally {
  await cluster.stop();
  await server.stop();
}
