import {
  REFERENCE_MAX_VALUE_BYTES,
  ReferenceBackend,
  ReferenceStore,
  referenceFaultHooks,
} from '@cachestack/test-support';
import type { ConformanceOptions } from '../src/index.js';

/** Conformance options for a reference-backed store with every capability and fault hook. */
export function referenceOptions(
  make: (store: ReferenceStore, namespace: string) => ReferenceBackend = (store, namespace) =>
    new ReferenceBackend(store, namespace),
  overrides: Partial<ConformanceOptions> = {},
): ConformanceOptions {
  // A monotonic clock: the kit's own timing checks run on performance.now().
  const store = new ReferenceStore({ clock: () => performance.now() });
  const options: ConformanceOptions = {
    create: ({ namespace }) => make(store, namespace),
    capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
    sharedStore: true,
    maxValueBytes: REFERENCE_MAX_VALUE_BYTES,
    faults: referenceFaultHooks(store),
  };
  return { ...options, ...overrides, faults: { ...options.faults, ...overrides.faults } };
}
