// TypeScript consumer: compiled with module nodenext and with moduleResolution
// bundler (tsconfig.*.json), then run. Imports every public package with types.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cache, createCache } from '@cachestack/cache';
import { describeBackendConformance } from '@cachestack/conformance';
import { BackendError, type BaseBackend, isBackendError } from '@cachestack/core';
import { FileBackend, type FileBackendOptions } from '@cachestack/file';
import { createReverseProxy } from '@cachestack/http';
import { KeyvCachestack } from '@cachestack/keyv';
import { MemoryBackend } from '@cachestack/memory';
import { type CachestackInstrumentation, instrumentCachestack } from '@cachestack/otel';
import { RedisBackend } from '@cachestack/redis';
import { SqliteBackend } from '@cachestack/sqlite';
import { TieredBackend } from '@cachestack/tiered';
import { BackendCacheStore } from '@cachestack/undici';
import * as wrappers from '@cachestack/wrappers';
import Keyv from 'keyv';

const encode = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (value: Uint8Array | undefined): string => new TextDecoder().decode(value);

async function roundTrip(backend: BaseBackend, value: string): Promise<void> {
  await backend.set('k', encode(value), 60_000);
  assert.equal(decode(await backend.get('k')), value);
}

const dir = mkdtempSync(join(tmpdir(), 'pack-check-ts-'));
try {
  assert.equal(typeof describeBackendConformance, 'function');
  assert.equal(typeof createReverseProxy, 'function');
  const instrumentation: CachestackInstrumentation = instrumentCachestack();
  assert.equal(instrumentation.enabled, true);
  instrumentation.disable();
  assert.ok(Object.keys(wrappers).length > 0);
  assert.ok(isBackendError(new BackendError({ type: 'PERMANENT', code: 'X', message: 'm' })));

  const memory = new MemoryBackend({ maxEntries: 100 });
  const sqlite = new SqliteBackend({ path: join(dir, 'cache.db') });
  const fileOptions: FileBackendOptions = { directory: join(dir, 'files') };
  const file = new FileBackend(fileOptions);
  const tiered = new TieredBackend({ tiers: [new MemoryBackend(), sqlite] });
  await roundTrip(memory, 'memory');
  await roundTrip(sqlite, 'sqlite');
  await roundTrip(file, 'file');
  await roundTrip(tiered, 'tiered');

  const cache: Cache = createCache({ backend: tiered });
  await cache.set('user', { id: 42 });
  assert.deepEqual(await cache.get<{ id: number }>('user'), { id: 42 });

  const keyv = new Keyv({
    store: new KeyvCachestack({ backend: memory, closeOnDisconnect: false }),
  });
  await keyv.set('kv', 'value');
  assert.equal(await keyv.get('kv'), 'value');

  assert.equal(typeof new BackendCacheStore({ backend: memory }).get, 'function');
  const redis = new RedisBackend({ redis: { host: '127.0.0.1', port: 1, lazyConnect: true } });
  await redis.close();

  await Promise.all([memory.close(), tiered.close(), file.close()]);
  console.log('ok: typed consumer');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
