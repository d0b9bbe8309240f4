// One real operation per package, on modules loaded by the caller (import or require).
import assert from 'node:assert/strict';
import { join } from 'node:path';

const bytes = (text) => new TextEncoder().encode(text);
const text = (value) => new TextDecoder().decode(value);

export async function exercise(m, Keyv, dir) {
  for (const [name, exports] of Object.entries(m)) {
    assert.ok(Object.keys(exports).length > 0, `@cachestack/${name} has no exports`);
  }
  assert.equal(typeof m.conformance.describeBackendConformance, 'function');
  assert.equal(typeof m.http.createReverseProxy, 'function');
  const instrumentation = m.otel.instrumentCachestack();
  assert.equal(instrumentation.enabled, true);
  instrumentation.disable();
  assert.equal(
    new m.core.BackendError({ type: 'PERMANENT', code: 'X', message: 'm' }).name,
    'BackendError',
  );

  const mem = new m.memory.MemoryBackend({ maxEntries: 100 });
  await mem.set('k', bytes('memory'));
  assert.equal(text(await mem.get('k')), 'memory');

  const db = new m.sqlite.SqliteBackend({ path: join(dir, 'cache.db') });
  await db.set('k', bytes('sqlite'), 60_000);
  assert.equal(text(await db.get('k')), 'sqlite');

  const files = new m.file.FileBackend({ directory: join(dir, 'files') });
  await files.set('k', bytes('file'));
  assert.equal(text(await files.get('k')), 'file');

  const twoTier = new m.tiered.TieredBackend({ tiers: [new m.memory.MemoryBackend(), db] });
  await twoTier.set('t', bytes('tiered'));
  assert.equal(text(await db.get('t')), 'tiered');

  const facade = m.cache.createCache({ backend: twoTier });
  await facade.set('user', { id: 42 });
  assert.deepEqual(await facade.get('user'), { id: 42 });

  const keyv = new Keyv({
    store: new m.keyv.KeyvCachestack({ backend: mem, closeOnDisconnect: false }),
  });
  await keyv.set('kv', { a: 1 });
  assert.deepEqual(await keyv.get('kv'), { a: 1 });

  const store = new m.undici.BackendCacheStore({ backend: mem });
  assert.equal(typeof store.createWriteStream, 'function');

  const remote = new m.redis.RedisBackend({
    redis: { host: '127.0.0.1', port: 1, lazyConnect: true },
  });
  assert.equal(remote.backendType, 'redis');
  await remote.close();

  await Promise.all([mem.close(), twoTier.close(), files.close()]);
  return `ok: ${Object.keys(m).length} packages`;
}
