import { describeBackendConformance } from '@cachestack/conformance';
import { MemoryBackend } from '../src/index.js';
import { simulateLatency } from '../src/memory-backend.js';

const MAX_VALUE_BYTES = 8 * 1024 * 1024;

// Every backend the kit creates, so the slowDown hook can reach them.
const created = new Set<MemoryBackend>();

// The same kit as conformance.test.ts, on the W-TinyLFU eviction policy.
describeBackendConformance('memory (policy: tinylfu)', {
  create: () => {
    const backend = new MemoryBackend({ maxValueBytes: MAX_VALUE_BYTES, policy: 'tinylfu' });
    created.add(backend);
    return backend;
  },
  capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
  sharedStore: false,
  maxValueBytes: MAX_VALUE_BYTES,
  faults: {
    // Real operations on a real backend, each made to wait before touching the store.
    slowDown: async (delayMs) => {
      for (const backend of created) simulateLatency(backend, delayMs);
    },
    restoreSpeed: async () => {
      for (const backend of created) simulateLatency(backend, 0);
    },
  },
  cleanup: async () => {
    created.clear();
  },
});
