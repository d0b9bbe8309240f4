import { describeMemoryConformance } from './memory-conformance.js';

describeMemoryConformance('memory', 'lru');
