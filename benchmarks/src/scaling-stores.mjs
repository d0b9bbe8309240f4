// The stores of the scaling runs (see scaling.mjs): our memory and SQLite
// backends, their floors, and experiments that each keep one part of the
// memory backend's small-value mechanism (a write keeps a Latin-1 string; the
// first read moves it into an ArrayBuffer of its own) to find what its first
// read after a write costs at 1M keys.
import { join } from 'node:path';
import { MemoryBackend } from '@cachestack/memory';
import { SqliteBackend } from '@cachestack/sqlite';
import { LRUCache } from 'lru-cache';
import { openPlainKv } from './floors.mjs';

/** Fills `count` keys in chunks of `size` (each chunk one `write(chunkKeys)` call). */
async function inChunks(keys, size, write) {
  for (let i = 0; i < keys.length; i += size) await write(keys.slice(i, i + size));
}

/** An lru-cache store whose values pass through `toStored` on set and `read` on get. */
function lruStore(count, toStored, read) {
  const cache = new LRUCache({ max: count });
  return {
    async fill(keys, value) {
      for (const key of keys) cache.set(key, toStored(value));
    },
    get: async (key) => read(cache, key),
    set: async (key, value) => {
      cache.set(key, toStored(value));
    },
    async close() {
      cache.clear();
    },
  };
}

const copyOut = (bytes) => {
  const copy = Buffer.allocUnsafe(bytes.byteLength);
  copy.set(bytes);
  return copy;
};
const latin1 = (value) => value.toString('latin1');

/** Reads a string-kept value through `promote(string)` once, then copies the bytes out. */
const promoting = (promote) => (cache, key) => {
  const stored = cache.get(key);
  if (stored === undefined) return undefined;
  if (typeof stored !== 'string') return copyOut(stored);
  const bytes = promote(stored);
  cache.set(key, bytes, { noUpdateTTL: true });
  return copyOut(bytes);
};

const ownArrayBuffer = (text) => {
  const bytes = Buffer.allocUnsafeSlow(text.length);
  bytes.write(text, 0, text.length, 'latin1');
  return bytes;
};

/**
 * Every store of the scaling runs. `kind`: ours, floor or experiment;
 * `create({ count, dir, warmUp })` resolves to `{ fill, get, set, close }`.
 */
export const SCALING_STORES = [
  {
    id: 'memory',
    label: '@cachestack/memory MemoryBackend',
    family: 'memory',
    kind: 'ours',
    async create({ count }) {
      const backend = new MemoryBackend({ maxEntries: count, purgeIntervalMs: 0 });
      return {
        async fill(keys, value) {
          for (const key of keys) await backend.set(key, value);
        },
        get: (key) => backend.get(key),
        set: (key, value) => backend.set(key, value),
        close: () => backend.close(),
      };
    },
  },
  {
    id: 'lru-cache-copy',
    label: 'lru-cache + Buffer copies',
    family: 'memory',
    kind: 'floor',
    create: ({ count }) =>
      lruStore(
        count,
        (value) => Buffer.from(value),
        (cache, key) => {
          const stored = cache.get(key);
          return stored === undefined ? undefined : Buffer.from(stored);
        },
      ),
  },
  {
    id: 'exp-promote-own',
    label:
      'experiment: string kept, first read → own ArrayBuffer (MemoryBackend’s former mechanism)',
    family: 'memory',
    kind: 'experiment',
    create: ({ count }) => lruStore(count, latin1, promoting(ownArrayBuffer)),
  },
  {
    id: 'exp-promote-pool',
    label: 'experiment: string kept, first read → pooled Buffer',
    family: 'memory',
    kind: 'experiment',
    create: ({ count }) =>
      lruStore(
        count,
        latin1,
        promoting((text) => Buffer.from(text, 'latin1')),
      ),
  },
  {
    id: 'exp-string-only',
    label: 'experiment: string kept, every read decodes it (MemoryBackend’s mechanism)',
    family: 'memory',
    kind: 'experiment',
    create: ({ count }) =>
      lruStore(count, latin1, (cache, key) => {
        const stored = cache.get(key);
        return stored === undefined ? undefined : Buffer.from(stored, 'latin1');
      }),
  },
  {
    id: 'exp-own-buffers',
    label: 'experiment: own ArrayBuffer per value from the write',
    family: 'memory',
    kind: 'experiment',
    create: ({ count }) =>
      lruStore(
        count,
        (value) => new Uint8Array(value),
        (cache, key) => {
          const stored = cache.get(key);
          return stored === undefined ? undefined : copyOut(stored);
        },
      ),
  },
  {
    id: 'sqlite',
    label: '@cachestack/sqlite SqliteBackend',
    family: 'sqlite',
    kind: 'ours',
    async create({ count, dir, warmUp }) {
      const backend = new SqliteBackend({
        path: join(dir, `ours-${count}${warmUp ? '-warm' : ''}.db`),
        namespace: 'bench',
        purgeIntervalMs: 0,
      });
      return {
        async fill(keys, value) {
          await inChunks(keys, 10_000, (chunk) =>
            backend.setMany(chunk.map((key) => ({ key, value }))),
          );
        },
        get: (key) => backend.get(key),
        set: (key, value) => backend.set(key, value),
        close: () => backend.close(),
      };
    },
  },
  {
    id: 'better-sqlite3',
    label: 'better-sqlite3 plain key/value table',
    family: 'sqlite',
    kind: 'floor',
    async create({ count, dir, warmUp }) {
      const db = openPlainKv(join(dir, `floor-${count}${warmUp ? '-warm' : ''}.db`));
      const select = db
        .prepare('SELECT v FROM kv WHERE k = ? AND (exp IS NULL OR exp > ?)')
        .pluck();
      const upsert = db.prepare(
        'INSERT INTO kv (k, v, exp) VALUES (?, ?, NULL) ON CONFLICT (k) DO UPDATE SET v = excluded.v, exp = excluded.exp',
      );
      const many = db.transaction((chunk, value) => {
        for (const key of chunk) upsert.run(key, value);
      });
      return {
        async fill(keys, value) {
          await inChunks(keys, 10_000, async (chunk) => many(chunk, value));
        },
        get: async (key) => select.get(key, Date.now()),
        set: async (key, value) => {
          upsert.run(key, value);
        },
        async close() {
          db.close();
        },
      };
    },
  },
];
