// The raw floors: the least work any cache over the same engine can do.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SCHEMA_SQL } from '@cachestack/sqlite';
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

/** better-sqlite3 prepared statements on the SqliteBackend schema (WAL, synchronous NORMAL). */
export function sqliteFloor({ tmpDir }) {
  let db;
  let select;
  let upsert;
  return {
    id: 'better-sqlite3',
    label: 'better-sqlite3 prepared statements',
    kind: 'floor',
    family: 'sqlite',
    ops: 100_000,
    opCounts: { set: 10_000, 'mixed 90/10': 30_000 },
    async open() {
      db = new BetterSqlite3(join(tmpDir, 'floor.db'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA_SQL);
      select = db
        .prepare('SELECT value FROM cachestack_entries WHERE namespace = ? AND key = ?')
        .pluck();
      upsert = db.prepare(
        `INSERT INTO cachestack_entries (namespace, key, value, expires_at, accessed_at, size)
         VALUES ('bench', ?, ?, NULL, ?, ?)
         ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,
           expires_at = excluded.expires_at, accessed_at = excluded.accessed_at, size = excluded.size`,
      );
    },
    async fill(keys, value) {
      db.transaction(() => {
        for (const key of keys) upsert.run(key, value, Date.now(), key.length + value.length);
      })();
    },
    get: async (key) => select.get('bench', key),
    set: async (key, value) => {
      upsert.run(key, value, Date.now(), key.length + value.length);
    },
    async close() {
      db.close();
    },
  };
}

function ioredisFloor({ redisPort }, pipelined) {
  let client;
  return {
    id: pipelined ? 'ioredis-pipelined' : 'ioredis',
    label: pipelined
      ? 'ioredis, 100 concurrent, auto-pipelined'
      : 'ioredis getBuffer/set, sequential',
    kind: 'floor',
    family: 'redis',
    concurrency: pipelined ? 100 : 1,
    ops: pipelined ? 40_000 : 8_000,
    async open() {
      client = new Redis({ host: '127.0.0.1', port: redisPort, enableAutoPipelining: pipelined });
      await client.ping();
    },
    async fill(keys, value) {
      if (pipelined) return; // shares the keys written by the sequential floor
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
export const ioredisSequentialFloor = (ctx) => ioredisFloor(ctx, false);
/** Raw ioredis with enableAutoPipelining and 100 concurrent callers. */
export const ioredisPipelinedFloor = (ctx) => ioredisFloor(ctx, true);

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
  ioredisPipelinedFloor,
  fsFloor,
];
