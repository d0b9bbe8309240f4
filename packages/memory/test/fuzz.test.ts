import { fuzzBackend } from '@cachestack/conformance';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../src/index.js';

const MAX_VALUE_BYTES = 2 * 1024 * 1024;
const CALLS = 5_000;

// Seeded random calls over every method (issue 22, item 7): every rejection
// must be a classified BackendError, never UNKNOWN or a raw error, and a
// rejected call must change nothing (checked against a model of the store).
describe('fuzz', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: ${CALLS} random calls break no rule`, async () => {
      await using backend = new MemoryBackend({ maxValueBytes: MAX_VALUE_BYTES });
      const report = await fuzzBackend(backend, {
        seed,
        calls: CALLS,
        capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
        maxValueBytes: MAX_VALUE_BYTES,
      });
      const kinds = new Map(
        report.issues.map((issue) => [`${issue.operation}: ${issue.problem}`, issue]),
      );
      expect([...kinds.values()], `${report.issues.length} issues`).toEqual([]);
      expect(report.calls).toBeGreaterThan(CALLS); // the sweep of every invalid input, then CALLS random ones
      // The inputs really were mixed: many calls resolved, many were refused.
      expect(report.resolved).toBeGreaterThan(CALLS / 4);
      expect(report.rejections['PERMANENT/INVALID_VALUE']).toBeGreaterThan(0);
      expect(report.rejections['PERMANENT/INVALID_KEY']).toBeGreaterThan(0);
    }, 60_000);
  }
});
