import { defineConfig } from 'vitest/config';

/**
 * Shared test settings. Every package's `vitest.config.ts` merges these.
 * No retries: a flaky test is a bug to fix, not to hide. Each run also writes
 * `test-results.json`, which `scripts/test-summary.mjs` sums up.
 */
export const sharedVitestConfig = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    retry: 0,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
