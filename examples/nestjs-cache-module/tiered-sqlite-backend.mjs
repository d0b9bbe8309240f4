import { MemoryBackend } from '@cachestack/memory';
import { SqliteBackend } from '@cachestack/sqlite';
import { TieredBackend } from '@cachestack/tiered';

/**
 * The cache under the Nest app: this process's memory (L1) over an SQLite
 * file (L2) that every process on the machine shares. A read that misses
 * memory and hits SQLite is copied up for at most `l1MaxTtlMs`, so a copy
 * another process has since changed or deleted lives in memory at most
 * that long.
 * @param {object} options
 * @param {string} options.sqlitePath - the shared SQLite file
 * @param {number} [options.l1MaxTtlMs] - longest life of a memory copy, in ms. Default 5 000.
 */
export function createTieredSqliteBackend({ sqlitePath, l1MaxTtlMs = 5_000 }) {
  return new TieredBackend({
    tiers: [
      { backend: new MemoryBackend({ maxEntries: 10_000 }), maxTtlMs: l1MaxTtlMs },
      new SqliteBackend({ path: sqlitePath, namespace: 'nest' }),
    ],
  });
}
