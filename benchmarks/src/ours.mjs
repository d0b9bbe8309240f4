// Our adapters, each naming the floor and the peers it is compared with.
// Backends are given bytes (a Buffer: the contract is bytes); the rows for
// string users go through the facade, `@cachestack/cache` with its default
// serializer, and are given strings like the peers.
import { join } from 'node:path';
import { createCache } from '@cachestack/cache';
import { FileBackend } from '@cachestack/file';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { SqliteBackend } from '@cachestack/sqlite';
import { TieredBackend } from '@cachestack/tiered';
import { fillKeys, KEY_COUNT } from './harness.mjs';

/** Wraps a BaseBackend-shaped store as a benchmark system. */
function backendSystem(meta, create) {
  let backend;
  return {
    kind: 'ours',
    ...meta,
    async open() {
      backend = await create();
    },
    async fill(keys, value) {
      await backend.setMany(keys.map((key) => ({ key, value })));
    },
    get: (key) => backend.get(key),
    set: (key, value) => backend.set(key, value),
    async close() {
      await backend.close();
    },
  };
}

const MEMORY_PEERS = [
  'keyv-memory',
  'cache-manager',
  'cacheable',
  'bentocache-memory',
  'bentocache-memory-raw',
];

const TIERED_PEERS = ['bentocache-tiered', 'bentocache-tiered-raw'];

/** Wraps a facade (`createCache` over `create()`) as a benchmark system given strings. */
function facadeSystem(meta, create) {
  let backend;
  let cache;
  return {
    kind: 'ours',
    input: 'string',
    ...meta,
    async open() {
      backend = await create();
      cache = createCache({ backend });
    },
    async fill(keys, value) {
      await fillKeys(keys, (key) => cache.set(key, value));
    },
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    async close() {
      await backend.close();
    },
  };
}

/** The facade over a MemoryBackend, given strings (what a string user calls). */
export const memoryFacadeOurs = () =>
  facadeSystem(
    {
      id: 'facade-memory',
      label: '@cachestack/cache over MemoryBackend',
      family: 'memory',
      ops: 100_000,
      floor: 'memory',
      peers: MEMORY_PEERS,
    },
    () => new MemoryBackend({ maxEntries: KEY_COUNT * 2 }),
  );

/** The facade over a RedisBackend, one awaited call at a time, given strings. */
export const redisFacadeOurs = ({ redisUrl }) =>
  facadeSystem(
    {
      id: 'facade-redis',
      label: '@cachestack/cache over RedisBackend, sequential',
      family: 'redis',
      ops: 8_000,
      floor: 'redis',
      peers: ['keyv-redis'],
    },
    () => new RedisBackend({ url: redisUrl, namespace: 'facade' }),
  );

/** The facade over tiered memory + Redis (get hit = L1 hit), given strings. */
export const tieredFacadeOurs = ({ redisUrl }) =>
  facadeSystem(
    {
      id: 'facade-tiered',
      label: '@cachestack/cache over tiered memory+Redis',
      family: 'redis',
      group: 'memory',
      ops: 100_000,
      opCounts: { 'get miss': 8_000, set: 8_000, 'mixed 90/10': 40_000 },
      floor: 'tiered',
      peers: TIERED_PEERS,
    },
    () =>
      new TieredBackend({
        tiers: [
          new MemoryBackend({ maxEntries: KEY_COUNT * 2 }),
          new RedisBackend({ url: redisUrl, namespace: 'facade-tiered' }),
        ],
      }),
  );

/** MemoryBackend (no eviction within the working set). */
export const memoryOurs = () =>
  backendSystem(
    {
      id: 'memory',
      label: '@cachestack/memory MemoryBackend',
      family: 'memory',
      ops: 200_000,
      floor: 'lru-cache',
      peers: MEMORY_PEERS,
    },
    () => new MemoryBackend({ maxEntries: KEY_COUNT * 2 }),
  );

/** FileBackend (durability 'none', like the fs floor). */
export const fileOurs = ({ tmpDir }) =>
  backendSystem(
    {
      id: 'file',
      label: '@cachestack/file FileBackend',
      family: 'file',
      ops: 10_000,
      setOps: 3_000,
      floor: 'fs',
      peers: [],
    },
    () =>
      new FileBackend({
        directory: join(tmpDir, 'file-backend'),
        durability: 'none',
        sweepIntervalMs: 0,
        maxEntries: KEY_COUNT * 2,
      }),
  );

/** SqliteBackend (WAL, synchronous NORMAL: its defaults). */
export const sqliteOurs = ({ tmpDir }) =>
  backendSystem(
    {
      id: 'sqlite',
      label: '@cachestack/sqlite SqliteBackend',
      family: 'sqlite',
      ops: 100_000,
      opCounts: { set: 10_000, 'mixed 90/10': 30_000 },
      floor: 'better-sqlite3',
      peers: [],
      missingPeer: '@keyv/sqlite (not installed)',
    },
    () =>
      new SqliteBackend({ path: join(tmpDir, 'ours.db'), namespace: 'bench', purgeIntervalMs: 0 }),
  );

/** RedisBackend, one awaited call at a time. */
export const redisSequentialOurs = ({ redisUrl }) =>
  backendSystem(
    {
      id: 'redis',
      label: '@cachestack/redis RedisBackend, sequential',
      family: 'redis',
      ops: 8_000,
      floor: 'ioredis',
      peers: ['keyv-redis'],
    },
    () => new RedisBackend({ url: redisUrl, namespace: 'bench' }),
  );

/** RedisBackend with 100 concurrent callers (gets coalesce into MGET). */
export const redisConcurrentOurs = ({ redisUrl }) =>
  backendSystem(
    {
      id: 'redis-100',
      label: '@cachestack/redis RedisBackend, 100 concurrent',
      family: 'redis',
      concurrency: 100,
      ops: 40_000,
      floor: 'ioredis-pipelined',
      peers: ['keyv-redis-100'],
    },
    () => new RedisBackend({ url: redisUrl, namespace: 'bench' }),
  );

/** TieredBackend memory + Redis, reading keys that are in L1. */
export const tieredHitOurs = ({ redisUrl }) =>
  backendSystem(
    {
      id: 'tiered',
      label: '@cachestack/tiered memory+Redis (get hit = L1 hit)',
      family: 'redis',
      group: 'memory', // interleaved with MemoryBackend, the floor of its L1 hit
      ops: 200_000,
      opCounts: { 'get miss': 8_000, set: 8_000, 'mixed 90/10': 40_000 },
      floor: 'ioredis', // misses and sets go to Redis
      floors: { 'get hit': 'memory', 'mixed 90/10': undefined },
      peers: TIERED_PEERS,
    },
    () =>
      new TieredBackend({
        tiers: [
          new MemoryBackend({ maxEntries: KEY_COUNT * 2 }),
          new RedisBackend({ url: redisUrl, namespace: 'tiered' }),
        ],
      }),
  );

/** TieredBackend memory + Redis with L1 emptied before every batch: L1 miss, L2 hit, backfill. */
export function tieredMissOurs({ redisUrl }) {
  let l1;
  let l2;
  let tiered;
  return {
    id: 'tiered-l2',
    label: '@cachestack/tiered memory+Redis, L1 miss / L2 hit',
    kind: 'ours',
    family: 'redis',
    operations: ['get hit'],
    ops: 8_000,
    maxBatch: KEY_COUNT,
    floor: 'ioredis',
    peers: [],
    async open() {
      l1 = new MemoryBackend({ maxEntries: KEY_COUNT * 2 });
      l2 = new RedisBackend({ url: redisUrl, namespace: 'tiered-l2' });
      tiered = new TieredBackend({ tiers: [l1, l2] });
    },
    async fill(keys, value) {
      await l2.setMany(keys.map((key) => ({ key, value })));
    },
    beforeBatch: () => l1.clear(),
    get: (key) => tiered.get(key),
    set: (key, value) => tiered.set(key, value),
    async close() {
      await tiered.close();
    },
  };
}

/** A getOrSet-hit row: createCache over a MemoryBackend with `cacheOptions`. */
function getOrSetSystem(meta, cacheOptions) {
  let backend;
  let cache;
  const loader = async () => {
    throw new Error('getOrSet benchmark: the loader must not run on a hit');
  };
  return {
    kind: 'ours',
    input: 'string',
    family: 'memory',
    operations: ['get hit'],
    ops: 100_000,
    floor: 'memory',
    peers: ['cache-manager-wrap', 'cacheable-getorset', 'bentocache-getorset'],
    ...meta,
    async open() {
      backend = new MemoryBackend({ maxEntries: KEY_COUNT * 2 });
      cache = createCache({ backend, namespace: 'bench', ...cacheOptions });
    },
    async fill(keys, value) {
      await fillKeys(keys, (key) => cache.set(key, value));
    },
    get: (key) => cache.getOrSet(key, loader),
    set: (key, value) => cache.set(key, value),
    async close() {
      await backend.close();
    },
  };
}

/** The facade's getOrSet on a hit (createCache over a MemoryBackend). */
export const getOrSetOurs = () =>
  getOrSetSystem({ id: 'getorset', label: '@cachestack/cache getOrSet hit (memory)' }, {});

/**
 * The same getOrSet hit with the object tier on (10,000 entries held for up
 * to 60 s, default `freeze` mode): hits skip the backend copy and the decode.
 */
export const getOrSetObjectTierOurs = () =>
  getOrSetSystem(
    {
      id: 'getorset-object-tier',
      label: '@cachestack/cache getOrSet hit (memory, object tier)',
    },
    { objectCache: { maxEntries: 10_000, ttlMs: 60_000 } },
  );

/** Every adapter of ours, in report order. */
export const OURS = [
  memoryOurs,
  memoryFacadeOurs,
  getOrSetOurs,
  getOrSetObjectTierOurs,
  fileOurs,
  sqliteOurs,
  redisSequentialOurs,
  redisFacadeOurs,
  redisConcurrentOurs,
  tieredHitOurs,
  tieredFacadeOurs,
  tieredMissOurs,
];
