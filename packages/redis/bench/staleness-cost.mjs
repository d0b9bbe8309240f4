// What each invalidation source costs, for staleness.bench.mjs: server
// memory and invalidation traffic of the two tracking modes, and a reader's
// L1 hit ratio while another process writes.
import { randomUUID } from 'node:crypto';
import { tracingChannel } from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { startServer } from './redis-servers.mjs';
import { tieredPeer } from './tiered-peer.mjs';

const COST_CACHES = 10;
const COST_KEYS = 20_000;
const HIT_RATIO_KEYS = 1000;

/**
 * Tracking's cost on a fresh standalone server: `COST_CACHES` caches read
 * `COST_KEYS` keys (`sharing: 'all'`: every cache reads every key;
 * `'tenth'`: each cache reads its own tenth), then every key is written once.
 * @returns used_memory growth during the reads (bytes), Redis' tracking
 *   table, and the invalidation messages and keys all caches received per write.
 */
export async function trackingCost(mode, sharing) {
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
    for (let i = 0; i < COST_CACHES; i++) {
      peers.push(await tieredPeer({ url }, mode, namespace, `p${i}`));
    }
    const all = Array.from({ length: COST_KEYS }, (_, i) => `key${i}`);
    await peers[0].backend.setMany(all.map((key) => ({ key, value: Buffer.alloc(100) })));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 300)); // client buffers shrink
    await settle();
    const before = await memory();
    for (const [index, peer] of peers.entries()) {
      const mine = sharing === 'all' ? all : all.filter((_, i) => i % COST_CACHES === index);
      for (let i = 0; i < mine.length; i += 1000) await peer.cache.getMany(mine.slice(i, i + 1000));
    }
    await settle();
    const after = await memory();
    const table = await stats();
    const total = (field) => peers.reduce((sum, peer) => sum + peer.counts[field], 0);
    const [messagesBefore, keysBefore] = [total('messages'), total('keys')];
    // One write per key, one at a time (same-tick sets would be merged into one MSET,
    // and Redis batches BCAST invalidations per event-loop turn).
    for (const key of all) await peers[0].backend.set(key, Buffer.alloc(100, 1));
    // Until no more invalidations arrive for 500 ms.
    for (let last = -1; last !== total('keys'); ) {
      last = total('keys');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return {
      bytes: after - before,
      ...table,
      messagesPerWrite: (total('messages') - messagesBefore) / COST_KEYS,
      keysPerWrite: (total('keys') - keysBefore) / COST_KEYS,
    };
  } finally {
    for (const peer of peers) await peer.close();
    probe.disconnect();
    await fresh.stop();
  }
}

/**
 * L1 hit ratio of a reader (skewed reads: 80% on 10% of the keys) while
 * another process writes one uniformly chosen key per ms, for `durationMs`.
 * A read that reaches Redis (a `cachestack:backend` start event of the
 * namespace) is a miss.
 */
export async function hitRatio(target, source, durationMs) {
  const namespace = `ratio-${randomUUID()}`;
  const writer = await tieredPeer(target, source, namespace, 'writer');
  const reader = await tieredPeer(target, source, namespace, 'reader');
  await writer.backend.setMany(
    Array.from({ length: HIT_RATIO_KEYS }, (_, i) => ({
      key: `key${i}`,
      value: Buffer.alloc(100),
    })),
  );
  // Only the reader's Redis reads: the writer's sets share the namespace and the channel.
  // Warm L1 first: the ratio is about invalidations, not the first reads.
  for (let i = 0; i < HIT_RATIO_KEYS; i += 100) {
    await reader.cache.getMany(Array.from({ length: 100 }, (_, j) => `key${i + j}`));
  }
  let redisReads = 0;
  const onStart = (context) => {
    if (context.backendType !== 'redis' || context.namespace !== namespace) return;
    if (context.operation.startsWith('get')) redisReads += 1;
  };
  const channel = tracingChannel('cachestack:backend');
  const handlers = { start: onStart };
  channel.subscribe(handlers);
  let reads = 0;
  let writes = 0;
  const messagesBefore = reader.counts.messages;
  const end = performance.now() + durationMs;
  const readLoop = (async () => {
    while (performance.now() < end) {
      const hot = Math.random() < 0.8;
      const pool = hot ? HIT_RATIO_KEYS / 10 : HIT_RATIO_KEYS;
      await reader.cache.get(`key${Math.floor(Math.random() * pool)}`);
      reads += 1;
      if (reads % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const writeLoop = (async () => {
    while (performance.now() < end) {
      const key = `key${Math.floor(Math.random() * HIT_RATIO_KEYS)}`;
      await writer.cache.set(key, Buffer.alloc(100, writes));
      writes += 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  redisReads = 0;
  try {
    await Promise.all([readLoop, writeLoop]);
  } finally {
    channel.unsubscribe(handlers);
  }
  const result = {
    reads,
    writes,
    hitRatio: 1 - redisReads / reads,
    messagesPerWrite: (reader.counts.messages - messagesBefore) / writes,
  };
  await reader.close();
  await writer.close();
  return result;
}
