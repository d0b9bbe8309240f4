import { describeBackendConformance } from '@cachestack/conformance';
import { MemoryBackend } from '@cachestack/memory';
import { WRAPPER_CASES } from './support/wrappers.js';

// The whole kit on every wrapper over a MemoryBackend: each wrapper claims
// exactly the capabilities the memory backend offers.
for (const { name, wrap } of WRAPPER_CASES) {
  describeBackendConformance(`${name}(memory)`, {
    create: ({ namespace }) => wrap(new MemoryBackend(), namespace),
    capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
    sharedStore: false,
  });
}
