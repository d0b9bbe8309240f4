import { describeBackendConformance } from '@cachestack/conformance';
import {
  createSharedStore,
  type SharedStore,
  type StoreConditions,
  TEST_MAX_VALUE_BYTES,
  TestBackend,
} from './support/test-backend.js';

// The cache's tests rely on this test-only backend being a correct backend:
// hold it to the same contract as the real adapters.
const stores = new Map<string, SharedStore>();
const conditions: StoreConditions = { unavailable: false, delayMs: 0 };

function storeFor(namespace: string): SharedStore {
  let store = stores.get(namespace);
  if (store === undefined) {
    store = createSharedStore(conditions);
    stores.set(namespace, store);
  }
  return store;
}

describeBackendConformance('test-only backend (test/support)', {
  create: ({ namespace }) => new TestBackend(storeFor(namespace)),
  capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
  sharedStore: true,
  maxValueBytes: TEST_MAX_VALUE_BYTES,
  faults: {
    makeUnavailable: async () => {
      conditions.unavailable = true;
    },
    makeAvailable: async () => {
      conditions.unavailable = false;
    },
    createWithBadCredentials: async ({ namespace }) => {
      const store = createSharedStore(conditions, 'secret');
      stores.set(`${namespace}-auth`, store);
      return new TestBackend(store, 'wrong');
    },
    slowDown: async (delayMs) => {
      conditions.delayMs = delayMs;
    },
    restoreSpeed: async () => {
      conditions.delayMs = 0;
    },
  },
  cleanup: async () => {
    stores.clear();
    conditions.unavailable = false;
    conditions.delayMs = 0;
  },
});
