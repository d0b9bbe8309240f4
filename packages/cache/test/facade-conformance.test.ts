import {
  type CacheConformanceOptions,
  defaultSerializerGolden,
  describeCacheConformance,
  TYPED_ARRAY_VECTOR_NAMES,
} from '@cachestack/conformance';
import type { BaseBackend } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { afterAll } from 'vitest';
import { createCache, DEFAULT_SERIALIZER_MAX_DEPTH, defaultSerializer } from '../src/index.js';

// The facade kit over createCache. Two facades of one test share one store:
// one MemoryBackend, or two RedisBackends (two connections) on one namespace
// of a real redis-server, as two processes would.
const shared: Omit<CacheConformanceOptions, 'create'> = {
  features: ['getOrSet', 'stats', 'events', 'tags'],
  serializer: defaultSerializer,
  golden: defaultSerializerGolden,
  // Documented: typed arrays other than Uint8Array are rejected with INVALID_VALUE.
  unsupportedValues: TYPED_ARRAY_VECTOR_NAMES.filter((name) => name !== 'Uint8Array'),
  // Documented: nesting is limited to DEFAULT_SERIALIZER_MAX_DEPTH levels.
  maxDepth: DEFAULT_SERIALIZER_MAX_DEPTH,
};

const memoryStores = new Map<string, MemoryBackend>();
describeCacheConformance('createCache over memory', {
  ...shared,
  create: ({ namespace }) => {
    let backend = memoryStores.get(namespace);
    if (backend === undefined) {
      backend = new MemoryBackend();
      memoryStores.set(namespace, backend);
    }
    return createCache({ backend, namespace: 'app' });
  },
  cleanup: async () => {
    const backends = [...memoryStores.values()];
    memoryStores.clear();
    await Promise.all(backends.map((backend) => backend.close()));
  },
});

const server = await RedisServer.start();
afterAll(() => server.destroy());
const redisBackends: BaseBackend[] = [];
describeCacheConformance('createCache over redis (two connections per test)', {
  ...shared,
  create: ({ namespace }) => {
    const backend = new RedisBackend({ url: server.url, namespace });
    redisBackends.push(backend);
    return createCache({ backend });
  },
  cleanup: async () => {
    await Promise.all(redisBackends.splice(0).map((backend) => backend.close()));
  },
});
