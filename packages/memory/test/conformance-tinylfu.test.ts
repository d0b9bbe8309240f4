import { describeMemoryConformance } from './memory-conformance.js';

// The same kit as conformance.test.ts, on the W-TinyLFU eviction policy.
describeMemoryConformance('memory (policy: tinylfu)', 'tinylfu');
