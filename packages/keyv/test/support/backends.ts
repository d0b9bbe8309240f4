import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BaseBackend } from '@cachestack/core';
import { FileBackend } from '@cachestack/file';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { SqliteBackend } from '@cachestack/sqlite';
import { RedisCluster, RedisServer } from '@cachestack/test-support';
import { TieredBackend } from '@cachestack/tiered';

/** A named way to build a backend for the Keyv suites; `destroy` removes what it made. */
export interface BackendFixture {
  name: string;
  create: () => Promise<BaseBackend>;
  destroy: () => Promise<void>;
}

/** A temp dir removed by the fixture's `destroy`. */
function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * memory, SQLite, file, Redis (a real redis-server), a 3-master Redis
 * Cluster and tiered(memory, SQLite).
 */
export function backendFixtures(): BackendFixture[] {
  const sqliteDir = tempDir('cachestack-keyv-sqlite-');
  const fileDir = tempDir('cachestack-keyv-file-');
  const tieredDir = tempDir('cachestack-keyv-tiered-');
  let redis: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  return [
    { name: 'memory', create: async () => new MemoryBackend(), destroy: async () => {} },
    {
      name: 'sqlite',
      create: async () => new SqliteBackend({ path: join(sqliteDir.dir, 'cache.db') }),
      destroy: async () => sqliteDir.remove(),
    },
    {
      name: 'file',
      create: async () => new FileBackend({ directory: fileDir.dir }),
      destroy: async () => fileDir.remove(),
    },
    {
      name: 'redis',
      create: async () => {
        redis ??= await RedisServer.start();
        return new RedisBackend({ url: redis.url, namespace: 'keyv-suite' });
      },
      destroy: async () => redis?.destroy(),
    },
    {
      name: 'redis cluster',
      create: async () => {
        cluster ??= await RedisCluster.start(3);
        return new RedisBackend({ cluster: { nodes: cluster.nodes }, namespace: 'keyv-suite' });
      },
      destroy: async () => cluster?.destroy(),
    },
    {
      name: 'tiered(memory, sqlite)',
      create: async () =>
        new TieredBackend({
          tiers: [
            new MemoryBackend(),
            new SqliteBackend({ path: join(tieredDir.dir, 'cache.db') }),
          ],
        }),
      destroy: async () => tieredDir.remove(),
    },
  ];
}
