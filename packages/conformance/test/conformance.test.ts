import { ReferenceBackend, type ReferenceStore } from '@cachestack/test-support';
import { describeBackendConformance } from '../src/index.js';
import { referenceOptions } from './reference-options.js';

// Backends the kit created and has not closed yet: cleanup runs after the kit
// closed every backend of the test, so it must find none.
const open = new Set<ReferenceBackend>();

class TrackedReferenceBackend extends ReferenceBackend {
  constructor(store: ReferenceStore, namespace: string) {
    super(store, namespace);
    open.add(this);
  }
  override async close(): Promise<void> {
    open.delete(this);
    await super.close();
  }
}

describeBackendConformance(
  'reference backend',
  referenceOptions((store, namespace) => new TrackedReferenceBackend(store, namespace), {
    cleanup: async () => {
      const left = open.size;
      open.clear();
      if (left > 0) throw new Error(`the kit left ${left} backend(s) open before cleanup`);
    },
  }),
);
