// The raw floors: the least work any cache over the same engine can do.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { fillKeys, KEY_COUNT } from './harness.mjs';

/** lru-cache, every call awaited like an async API. */
export function lruFloor() {
  let cache;
  return {
    id: 'lru-cache',
    label: 'lru-cache (awaited)',
    kind: 'floor',
    family: 'memory',
    ops: 200_000,
    async open() {
      cache = new LRUCache({ max: KEY_COUNT * 2 });
    },
    async fill(keys, value) {
      for (const key of keys) cache.set(key, value);
    },
    get: async (key) => cache.get(key),
    set: async (key, value) => {
      cache.set(key, value);
    },
    async close() {
      cache.clear();
    },
  };
}

/**
 * lru-cache that copies bytes in and out like the contract requires (set
 * stores a copy, get returns a copy): the floor for contract-equivalent work.
 */
export function lruCopyFloor() {
  const system = lruFloor();
  let cache;
  return {
    ...system,
    id: 'lru-cache-copy',
    label: 'lru-cache + Buffer copies (awaited)',
    async open() {
      cache = new LRUCache({ max: KEY_COUNT * 2 });
    },
    async fill(keys, value) {
      for (const key of keys) cache.set(key, Buffer.from(value));
    },
    get: async (key) => {
      const value = cache.get(key);
      return value === undefined ? undefined : Buffer.from(value);
    },
    set: async (key, value) => {
      cache.set(key, Buffer.from(value));
    },
    async close() {
      cache.clear();
    },
  };
}

/**
 * A plain key/value better-sqlite3 table, `kv(k TEXT PRIMARY KEY, v BLOB,
 * exp INTEGER)`, with SqliteBackend's pragmas (WAL, synchronous NORMAL, busy
 * timeout 5 s): one prepared SELECT per get (expiry checked in SQL) and one
 * prepared upsert per set, each set its own implicit transaction. Not our
 * schema: the least any SQLite cache has to do.
 */
export function sqliteFloor({ tmpDir }) {
  let db;
  let select;
  let upsert;
  return {
    id: 'better-sqlite3',
    label: 'better-sqlite3 plain key/value table',
    kind: 'floor',
    family: 'sqlite',
    ops: 100_000,
    opCounts: { set: 10_000, 'mixed 90/10': 30_000 },
    async open() {
      db = openPlainKv(join(tmpDir, 'floor.db'));
      select = db.prepare('SELECT v FROM kv WHERE k = ? AND (exp IS NULL OR exp > ?)').pluck();
      upsert = db.prepare(
        'INSERT INTO kv (k, v, exp) VALUES (?, ?, NULL) ON CONFLICT (k) DO UPDATE SET v = excluded.v, exp = excluded.exp',
      );
    },
    async fill(keys, value) {
      db.transaction(() => {
        for (const key of keys) upsert.run(key, value);
      })();
    },
    get: async (key) => select.get(key, Date.now()),
    set: async (key, value) => {
      upsert.run(key, value);
    },
    async close() {
      db.close();
    },
  };
}

/** Opens `path` with SqliteBackend's default pragmas and creates the plain `kv` table. */
export function openPlainKv(path) {
  const db = new BetterSqlite3(path, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v BLOB, exp INTEGER)');
  return db;
}

const IOREDIS_FLOORS = {
  'sequential-plain': {
    id: 'ioredis',
    label: 'ioredis getBuffer/set, sequential',
    concurrency: 1,
    autoPipelining: false,
  },
  'sequential-auto': {
    id: 'ioredis-auto',
    label: 'ioredis getBuffer/set, sequential, auto-pipelining on',
    concurrency: 1,
    autoPipelining: true,
  },
  'concurrent-plain': {
    id: 'ioredis-100',
    label: 'ioredis, 100 concurrent, no auto-pipelining',
    concurrency: 100,
    autoPipelining: false,
  },
  'concurrent-auto': {
    id: 'ioredis-pipelined',
    label: 'ioredis, 100 concurrent, auto-pipelined',
    concurrency: 100,
    autoPipelining: true,
  },
};

function ioredisFloor({ redisPort }, variant) {
  const { id, label, concurrency, autoPipelining } = IOREDIS_FLOORS[variant];
  let client;
  return {
    id,
    label,
    kind: 'floor',
    family: 'redis',
    concurrency,
    autoPipelining,
    ops: concurrency > 1 ? 40_000 : 8_000,
    async open() {
      client = new Redis({
        host: '127.0.0.1',
        port: redisPort,
        enableAutoPipelining: autoPipelining,
      });
      await client.ping();
    },
    async fill(keys, value) {
      if (variant !== 'sequential-plain') return; // shares the keys the first floor wrote
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.set(`floor:${key}`, value);
      await pipeline.exec();
    },
    get: (key) => client.getBuffer(`floor:${key}`),
    set: (key, value) => client.set(`floor:${key}`, value),
    async close() {
      client.disconnect();
    },
  };
}

/** Raw ioredis, one awaited command at a time. */
export const ioredisSequentialFloor = (ctx) => ioredisFloor(ctx, 'sequential-plain');
/** Raw ioredis with enableAutoPipelining, one awaited command at a time. */
export const ioredisSequentialAutoFloor = (ctx) => ioredisFloor(ctx, 'sequential-auto');
/** Raw ioredis without auto-pipelining, 100 concurrent callers. */
export const ioredisConcurrentFloor = (ctx) => ioredisFloor(ctx, 'concurrent-plain');
/** Raw ioredis with enableAutoPipelining and 100 concurrent callers. */
export const ioredisPipelinedFloor = (ctx) => ioredisFloor(ctx, 'concurrent-auto');

/** fs.readFile / fs.writeFile to a temp name + rename, one file per key. */
export function fsFloor({ tmpDir }) {
  const dir = join(tmpDir, 'fs-floor');
  let counter = 0;
  const write = async (key, value) => {
    const temp = join(dir, `.tmp-${counter++}`);
    await writeFile(temp, value);
    await rename(temp, join(dir, key));
  };
  return {
    id: 'fs',
    label: 'fs readFile / writeFile+rename',
    kind: 'floor',
    family: 'file',
    ops: 10_000,
    setOps: 3_000,
    async open() {
      await mkdir(dir, { recursive: true });
    },
    async fill(keys, value) {
      await fillKeys(keys, (key) => write(key, value));
    },
    get: async (key) => {
      try {
        return await readFile(join(dir, key));
      } catch (error) {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      }
    },
    set: write,
    async close() {},
  };
}

/** Every floor, in report order. */
export const FLOORS = [
  lruFloor,
  lruCopyFloor,
  sqliteFloor,
  ioredisSequentialFloor,
  ioredisSequentialAutoFloor,
  ioredisConcurrentFloor,
  ioredisPipelinedFloor,
  fsFloor,
];
