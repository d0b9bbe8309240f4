import {
  type CacheConformanceOptions,
  defaultSerializerGolden,
  describeCacheConformance,
  TYPED_ARRAY_VECTOR_NAMES,
} from '@cachestack/conformance';
import { MemoryBackend } from '@cachestack/memory';
import { createCache, DEFAULT_SERIALIZER_MAX_DEPTH, defaultSerializer } from '../src/index.js';

const shared: Omit<CacheConformanceOptions, 'create'> = {
  features: ['getOrSet', 'stats', 'events', 'tags'],
  serializer: defaultSerializer,
  golden: defaultSerializerGolden,
  unsupportedValues: TYPED_ARRAY_VECTOR_NAMES.filter((name) => name !== 'Uint8Array'),
  // Documented: nesting is limited to DEFAULT_SERIALIZER_MAX_DEPTH levels.
  maxDepth: DEFAULT_SERIALIZER_MAX_DEPTH,
};

for (const mode of ['clone', 'freeze', 'share'] as const) {
  const stores = new Map<string, MemoryBackend>();
  describeCacheConformance(`createCache over memory with the object tier (${mode})`, {
    ...shared,
    create: ({ namespace }) => {
      let backend = stores.get(namespace);
      if (backend === undefined) {
        backend = new MemoryBackend();
        stores.set(namespace, backend);
      }
      return createCache({ backend, namespace: 'app', objectCache: { maxEntries: 1_000, mode } });
    },
    cleanup: async () => {
      const backends = [...stores.values()];
      stores.clear();
      await Promise.all(backends.map((backend) => backend.close()));
    },
  });
}
