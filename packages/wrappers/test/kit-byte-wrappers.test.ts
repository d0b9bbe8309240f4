import { randomBytes } from 'node:crypto';
import { describeByteWrapperConformance } from '@cachestack/conformance';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { afterAll } from 'vitest';
import { CompressionBackend, EncryptionBackend, EncryptionKey } from '../src/index.js';

// The byte-wrapper kit over the real wrappers: every length around the
// compression threshold and far beyond, look-alike values, and for
// encryption a wrong key, a flipped byte or an entry copied under another
// key is a miss or a classified error (CORRUPT), never garbage.

const stores = new Map<string, MemoryBackend>();
function memoryStore({ namespace }: { namespace: string }): MemoryBackend {
  let store = stores.get(namespace);
  if (store === undefined) {
    store = new MemoryBackend();
    stores.set(namespace, store);
  }
  return store;
}
const cleanup = async () => stores.clear();

const key = new EncryptionKey(1, randomBytes(32));
const sameIdOtherBytes = new EncryptionKey(1, randomBytes(32));

describeByteWrapperConformance('CompressionBackend (brotli, threshold 1024)', {
  createStore: memoryStore,
  wrap: (store) => new CompressionBackend(store),
  kind: 'compression',
  thresholdBytes: 1024,
  cleanup,
});

describeByteWrapperConformance('CompressionBackend (gzip, threshold 100)', {
  createStore: memoryStore,
  wrap: (store) => new CompressionBackend(store, { algorithm: 'gzip', thresholdBytes: 100 }),
  kind: 'compression',
  thresholdBytes: 100,
  cleanup,
});

describeByteWrapperConformance('EncryptionBackend', {
  createStore: memoryStore,
  wrap: (store) => new EncryptionBackend(store, { keys: [key], context: 'kit' }),
  wrapWithOtherKey: (store) =>
    new EncryptionBackend(store, { keys: [sameIdOtherBytes], context: 'kit' }),
  kind: 'encryption',
  cleanup,
});

const server = await RedisServer.start();
afterAll(() => server.destroy());

describeByteWrapperConformance(
  'CompressionBackend over EncryptionBackend over Redis (the README order)',
  {
    createStore: ({ namespace }) => new RedisBackend({ url: server.url, namespace }),
    wrap: (store) =>
      new CompressionBackend(new EncryptionBackend(store, { keys: [key], context: 'kit' })),
    wrapWithOtherKey: (store) =>
      new CompressionBackend(
        new EncryptionBackend(store, { keys: [sameIdOtherBytes], context: 'kit' }),
      ),
    kind: 'encryption',
  },
);
