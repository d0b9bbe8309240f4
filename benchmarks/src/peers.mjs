// The peers users would pick instead, with their default settings and the
// same 10k keys, each given the input it is built for: strings (every peer
// here serializes to JSON strings, or keeps the value as given). @keyv/sqlite
// is not installed (its sqlite3 dependency needs a native download), so
// SQLite has no peer row.
import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import { Cacheable } from 'cacheable';
import { Keyv } from 'keyv';
import { fillKeys } from './harness.mjs';

/** A system over any get/set store; `read` may be a getOrSet-style call. */
function peer(meta, create, { read, write, close }) {
  let store;
  return {
    kind: 'peer',
    input: 'string',
    ...meta,
    async open() {
      store = await create();
    },
    async fill(keys, value) {
      await fillKeys(keys, (key) => write(store, key, value));
    },
    get: (key) => read(store, key),
    set: (key, value) => write(store, key, value),
    async close() {
      await close(store);
    },
  };
}

const keyvCalls = {
  read: (keyv, key) => keyv.get(key),
  write: (keyv, key, value) => keyv.set(key, value),
  close: (keyv) => keyv.disconnect(),
};

const missingFactory = async () => {
  throw new Error('peer getOrSet benchmark: the factory must not run on a hit');
};

/** Keyv with its default in-memory Map store. */
export const keyvMemoryPeer = () =>
  peer(
    { id: 'keyv-memory', label: 'Keyv (memory)', family: 'memory', ops: 100_000 },
    () => new Keyv(),
    keyvCalls,
  );

/** cache-manager 7 over a Keyv memory store. */
export const cacheManagerPeer = () =>
  peer(
    { id: 'cache-manager', label: 'cache-manager 7 (Keyv memory)', family: 'memory', ops: 100_000 },
    () => createCache({ stores: [new Keyv()] }),
    {
      read: (cache, key) => cache.get(key),
      write: (cache, key, value) => cache.set(key, value),
      close: (cache) => cache.disconnect(),
    },
  );

/** cache-manager 7 `wrap` on a hit. */
export const cacheManagerWrapPeer = () =>
  peer(
    {
      id: 'cache-manager-wrap',
      label: 'cache-manager 7 wrap hit',
      family: 'memory',
      operations: ['get hit'],
      ops: 100_000,
    },
    () => createCache({ stores: [new Keyv()] }),
    {
      read: (cache, key) => cache.wrap(key, missingFactory),
      write: (cache, key, value) => cache.set(key, value),
      close: (cache) => cache.disconnect(),
    },
  );

/** cacheable 2 with its default in-memory primary store. */
export const cacheablePeer = () =>
  peer(
    { id: 'cacheable', label: 'cacheable (memory)', family: 'memory', ops: 100_000 },
    () => new Cacheable(),
    {
      read: (cache, key) => cache.get(key),
      write: (cache, key, value) => cache.set(key, value),
      close: (cache) => cache.disconnect(),
    },
  );

/** cacheable 2 `getOrSet` on a hit. */
export const cacheableGetOrSetPeer = () =>
  peer(
    {
      id: 'cacheable-getorset',
      label: 'cacheable getOrSet hit',
      family: 'memory',
      operations: ['get hit'],
      ops: 100_000,
    },
    () => new Cacheable(),
    {
      read: (cache, key) => cache.getOrSet(key, missingFactory),
      write: (cache, key, value) => cache.set(key, value),
      close: (cache) => cache.disconnect(),
    },
  );

function bento(l2Url, { serialize = true } = {}) {
  let store = bentostore().useL1Layer(memoryDriver({ maxItems: 100_000, serialize }));
  if (l2Url !== undefined) {
    const { hostname, port } = new URL(l2Url);
    store = store.useL2Layer(redisDriver({ connection: { host: hostname, port: Number(port) } }));
  }
  return new BentoCache({ default: 'cache', stores: { cache: store } });
}

const bentoCalls = {
  read: (cache, key) => cache.get({ key }),
  write: (cache, key, value) => cache.set({ key, value }),
  close: (cache) => cache.disconnectAll(),
};

/** bentocache with a memory L1 only. */
export const bentoMemoryPeer = () =>
  peer(
    { id: 'bentocache-memory', label: 'bentocache (memory)', family: 'memory', ops: 100_000 },
    () => bento(),
    bentoCalls,
  );

/**
 * bentocache with a memory L1 only and `serialize: false` (the L1 keeps the
 * value as given: the configuration of bentocache's own published figures).
 */
export const bentoMemoryRawPeer = () =>
  peer(
    {
      id: 'bentocache-memory-raw',
      label: 'bentocache (memory, serialize: false)',
      family: 'memory',
      ops: 100_000,
    },
    () => bento(undefined, { serialize: false }),
    bentoCalls,
  );

/** bentocache memory-only `getOrSet` on a hit. */
export const bentoGetOrSetPeer = () =>
  peer(
    {
      id: 'bentocache-getorset',
      label: 'bentocache getOrSet hit (memory)',
      family: 'memory',
      operations: ['get hit'],
      ops: 100_000,
    },
    () => bento(),
    { ...bentoCalls, read: (cache, key) => cache.getOrSet({ key, factory: missingFactory }) },
  );

/** bentocache memory L1 + Redis L2 (reads answered by L1 once filled). */
export const bentoTieredPeer = ({ redisUrl }) =>
  peer(
    {
      id: 'bentocache-tiered',
      label: 'bentocache (memory+Redis)',
      family: 'redis',
      group: 'memory', // measured next to the tiered L1-hit row it is compared with
      ops: 100_000,
      opCounts: { 'get miss': 8_000, set: 8_000, 'mixed 90/10': 40_000 },
    },
    () => bento(redisUrl),
    bentoCalls,
  );

/** bentocache memory L1 with `serialize: false` + Redis L2. */
export const bentoTieredRawPeer = ({ redisUrl }) =>
  peer(
    {
      id: 'bentocache-tiered-raw',
      label: 'bentocache (memory+Redis, L1 serialize: false)',
      family: 'redis',
      group: 'memory',
      ops: 100_000,
      opCounts: { 'get miss': 8_000, set: 8_000, 'mixed 90/10': 40_000 },
    },
    () => bento(redisUrl, { serialize: false }),
    bentoCalls,
  );

function keyvRedis(redisUrl, concurrent) {
  return peer(
    {
      id: concurrent ? 'keyv-redis-100' : 'keyv-redis',
      label: concurrent ? 'Keyv + @keyv/redis, 100 concurrent' : 'Keyv + @keyv/redis, sequential',
      family: 'redis',
      concurrency: concurrent ? 100 : 1,
      ops: concurrent ? 40_000 : 8_000,
    },
    () => new Keyv({ store: new KeyvRedis(redisUrl), namespace: 'keyv-bench' }),
    keyvCalls,
  );
}

/** Keyv over @keyv/redis, one awaited call at a time. */
export const keyvRedisPeer = ({ redisUrl }) => keyvRedis(redisUrl, false);
/** Keyv over @keyv/redis with 100 concurrent callers. */
export const keyvRedisConcurrentPeer = ({ redisUrl }) => keyvRedis(redisUrl, true);

/** Every peer, in report order. */
export const PEERS = [
  keyvMemoryPeer,
  cacheManagerPeer,
  cacheablePeer,
  bentoMemoryPeer,
  bentoMemoryRawPeer,
  cacheManagerWrapPeer,
  cacheableGetOrSetPeer,
  bentoGetOrSetPeer,
  keyvRedisPeer,
  keyvRedisConcurrentPeer,
  bentoTieredPeer,
  bentoTieredRawPeer,
];
