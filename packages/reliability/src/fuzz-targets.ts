import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelCheckInstance, ModelCheckTarget } from '@cachestack/conformance';
import type { BaseBackend } from '@cachestack/core';
import { FileBackend } from '@cachestack/file';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { SqliteBackend } from '@cachestack/sqlite';
import { LocalInvalidationBus, TieredBackend } from '@cachestack/tiered';

/**
 * Largest value, in bytes, every fuzzed backend is configured with
 * (`maxValueBytes`), so that `VALUE_TOO_LARGE` is cheap to provoke.
 */
export const FUZZ_MAX_VALUE_BYTES = 4096;

/** A fresh, empty backend for one fuzzed sequence (the kit's model-check instance). */
export type FuzzInstance = ModelCheckInstance;

/** One adapter configuration under fuzzing (the kit's model-check target). */
export type FuzzTarget = ModelCheckTarget;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cachestack-reliability-'));
}

const memory = (): MemoryBackend =>
  new MemoryBackend({ maxValueBytes: FUZZ_MAX_VALUE_BYTES, purgeIntervalMs: 0 });

const sqlite = (dir: string): SqliteBackend =>
  new SqliteBackend({
    path: join(dir, 'fuzz.db'),
    maxValueBytes: FUZZ_MAX_VALUE_BYTES,
    purgeIntervalMs: 0,
  });

const redis = (url: string, id: string): RedisBackend =>
  new RedisBackend({ url, namespace: `fuzz-${id}`, maxValueBytes: FUZZ_MAX_VALUE_BYTES });

/** Closes `backends`, then removes `dir` (if any), whatever `close()` did. */
function disposer(backends: BaseBackend[], dir?: string, before?: () => Promise<void>) {
  return async () => {
    try {
      await before?.();
      for (const backend of backends) await backend.close();
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  };
}

const fileBackend = (dir: string): FileBackend =>
  new FileBackend({
    directory: join(dir, 'cache'),
    maxValueBytes: FUZZ_MAX_VALUE_BYTES,
    sweepIntervalMs: 0,
  });

function tiered(l2: BaseBackend, bus: LocalInvalidationBus, namespace: string): TieredBackend {
  return new TieredBackend({ tiers: [memory(), l2], invalidation: { bus, namespace } });
}

/**
 * The adapters of this repository as fuzz targets, every value limit set to
 * {@link FUZZ_MAX_VALUE_BYTES}: memory, file, SQLite, and — given a running
 * redis-server's URL — Redis and the two tiered stacks (memory over SQLite,
 * memory over Redis). Every target but memory has a peer instance on the
 * same store.
 */
export function fuzzTargets(redisUrl: string): FuzzTarget[] {
  return [
    {
      name: 'memory',
      create: async () => {
        const backend = memory();
        return { backend, dispose: disposer([backend]) };
      },
    },
    {
      name: 'file',
      create: async () => {
        const dir = await tempDir();
        const backend = fileBackend(dir);
        const peer = fileBackend(dir);
        return { backend, peer, dispose: disposer([backend, peer], dir) };
      },
    },
    {
      name: 'sqlite',
      create: async () => {
        const dir = await tempDir();
        const backend = sqlite(dir);
        const peer = sqlite(dir);
        return { backend, peer, dispose: disposer([backend, peer], dir) };
      },
    },
    {
      name: 'redis',
      create: async (id) => {
        const backend = redis(redisUrl, id);
        const peer = redis(redisUrl, id);
        await backend.healthCheck(); // connect before the timed calls
        await peer.healthCheck();
        return {
          backend,
          peer,
          dispose: disposer([backend, peer], undefined, () => backend.clear()),
        };
      },
    },
    {
      name: 'tiered(memory, sqlite)',
      create: async (id) => {
        const dir = await tempDir();
        const bus = new LocalInvalidationBus();
        const backend = tiered(sqlite(dir), bus, id);
        const peer = tiered(sqlite(dir), bus, id);
        return { backend, peer, dispose: disposer([backend, peer], dir) };
      },
    },
    {
      name: 'tiered(memory, redis)',
      create: async (id) => {
        const bus = new LocalInvalidationBus();
        const l2 = redis(redisUrl, id);
        const peerL2 = redis(redisUrl, id);
        await l2.healthCheck();
        await peerL2.healthCheck();
        const backend = tiered(l2, bus, id);
        const peer = tiered(peerL2, bus, id);
        return { backend, peer, dispose: disposer([backend, peer], undefined, () => l2.clear()) };
      },
    },
  ];
}
