import type { ConformanceOptions } from '../src/index.js';
import {
  REFERENCE_MAX_VALUE_BYTES,
  ReferenceBackend,
  ReferenceStore,
} from './reference-backend.js';

/** Conformance options for a reference-backed store with every capability and fault hook. */
export function referenceOptions(
  make: (store: ReferenceStore, namespace: string) => ReferenceBackend = (store, namespace) =>
    new ReferenceBackend(store, namespace),
  overrides: Partial<ConformanceOptions> = {},
): ConformanceOptions {
  const store = new ReferenceStore();
  const options: ConformanceOptions = {
    create: ({ namespace }) => make(store, namespace),
    capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
    sharedStore: true,
    maxValueBytes: REFERENCE_MAX_VALUE_BYTES,
    faults: {
      makeUnavailable: async () => {
        store.unavailable = true;
      },
      makeAvailable: async () => {
        store.unavailable = false;
      },
      slowDown: async (delayMs) => {
        store.delayMs = delayMs;
      },
      restoreSpeed: async () => {
        store.delayMs = 0;
      },
      createWithBadCredentials: async ({ namespace }) =>
        new ReferenceBackend(store, namespace, { badCredentials: true }),
    },
  };
  return { ...options, ...overrides, faults: { ...options.faults, ...overrides.faults } };
}
