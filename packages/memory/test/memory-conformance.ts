import { describeBackendConformance } from '@cachestack/conformance';
import { type EvictionPolicy, MemoryBackend } from '../src/index.js';
import { simulateLatency } from '../src/memory-backend.js';

const MAX_VALUE_BYTES = 8 * 1024 * 1024;

/**
 * Registers the whole kit for a purely in-process store on one eviction
 * policy: every `create` gives a fresh, empty backend.
 */
export function describeMemoryConformance(name: string, policy: EvictionPolicy): void {
  // Every backend the kit creates, so the slowDown hook can reach them.
  const created = new Set<MemoryBackend>();
  describeBackendConformance(name, {
    create: () => {
      const backend = new MemoryBackend({ maxValueBytes: MAX_VALUE_BYTES, policy });
      created.add(backend);
      return backend;
    },
    capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
    sharedStore: false,
    tracingChannel: 'cachestack:backend',
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
}
