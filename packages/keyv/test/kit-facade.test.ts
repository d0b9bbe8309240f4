import {
  type CacheFacade,
  describeCacheConformance,
  TYPED_ARRAY_VECTOR_NAMES,
  valueVector,
} from '@cachestack/conformance';
import { MemoryBackend } from '@cachestack/memory';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import { KeyvCachestack } from '../src/index.js';

// The facade kit over the facade-like APIs this package serves: Keyv itself
// (get/set/delete), and cache-manager 7 over that Keyv (`wrap` is its
// getOrSet). Two facades of one test share one MemoryBackend. Values go
// through Keyv's own serializer: what it changes is listed as known failures
// (visible with it.fails, fixed upstream or not at all), not fixed here.

const stores = new Map<string, MemoryBackend>();
function keyvFor(namespace: string): Keyv {
  let backend = stores.get(namespace);
  if (backend === undefined) {
    backend = new MemoryBackend();
    stores.set(namespace, backend);
  }
  return new Keyv({
    store: new KeyvCachestack({ backend, closeOnDisconnect: false }),
    namespace: 'app',
  });
}
const cleanup = async () => {
  const backends = [...stores.values()];
  stores.clear();
  await Promise.all(backends.map((backend) => backend.close()));
};

function keyvFacade(keyv: Keyv): CacheFacade {
  return {
    get: (key) => keyv.get(key),
    set: async (key, value, options) => {
      await keyv.set(key, value, options?.ttlMs);
    },
    delete: (key) => keyv.delete(key),
  };
}

function cacheManagerFacade(keyv: Keyv): CacheFacade {
  const cache = createCache({ stores: [keyv] });
  return {
    get: (key) => cache.get(key),
    set: async (key, value, options) => {
      await cache.set(key, value, options?.ttlMs);
    },
    delete: (key) => cache.del(key),
    getOrSet: (key, loader, options) => cache.wrap(key, loader, options?.ttlMs),
  };
}

// What Keyv's JSON serializer (@keyv/serialize) cannot carry: these come back changed
// (Dates as strings, Maps and Sets as {}, typed arrays as objects, NaN as null, -0 as 0,
// undefined dropped, holes as null) or, for BigInt, make set throw a raw TypeError.
const CHANGED_BY_KEYV = [
  'negative-zero',
  'nan',
  'infinity',
  'negative-infinity',
  'special-numbers-nested',
  'date',
  'date-epoch',
  'invalid-date',
  'bigint',
  'negative-bigint',
  'map',
  'set',
  ...TYPED_ARRAY_VECTOR_NAMES,
  'empty-bytes',
  'undefined-in-object',
  'undefined-in-array',
  'sparse-array',
  'nested-object',
];
const knownFailures: Record<string, string> = {
  ...Object.fromEntries(
    CHANGED_BY_KEYV.map((name) => [
      `values › ${valueVector(name).description} round-trips exactly through set and get`,
      "Keyv's JSON serializer changes it",
    ]),
  ),
  'values › a value nested beyond the depth limit is rejected with INVALID_VALUE (never a raw error)':
    "Keyv's serializer lets a raw RangeError (stack overflow) escape",
};

describeCacheConformance('Keyv over KeyvCachestack', {
  create: ({ namespace }) => keyvFacade(keyvFor(namespace)),
  features: [],
  knownFailures,
  cleanup,
});

describeCacheConformance('cache-manager over Keyv over KeyvCachestack', {
  create: ({ namespace }) => cacheManagerFacade(keyvFor(namespace)),
  features: ['getOrSet'],
  knownFailures,
  cleanup,
});
