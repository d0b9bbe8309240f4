import { describeBackendConformance } from '@cachestack/conformance';
import {
  REFERENCE_MAX_VALUE_BYTES,
  ReferenceBackend,
  ReferenceStore,
  referenceFaultHooks,
} from '@cachestack/test-support';

// The cache's tests rely on the shared test-only backend being a correct
// backend in the configuration they use (the default Date.now() clock, which
// fake timers control): hold it to the same contract as the real adapters.
const store = new ReferenceStore();

describeBackendConformance('test-only backend (@cachestack/test-support, Date.now clock)', {
  create: ({ namespace }) => new ReferenceBackend(store, namespace),
  capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
  sharedStore: true,
  maxValueBytes: REFERENCE_MAX_VALUE_BYTES,
  faults: referenceFaultHooks(store),
  cleanup: async () => {
    store.namespaces.clear();
    store.lockTables.clear();
    store.unavailable = false;
    store.delayMs = 0;
  },
});
