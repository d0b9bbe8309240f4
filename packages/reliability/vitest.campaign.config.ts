import { defineConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

/**
 * The long run (`pnpm --filter @cachestack/reliability campaign`): the shared
 * settings, but only campaign/*.campaign.ts, no time limit of its own (the
 * knobs bound it), and no test-results.json (that file belongs to the CI
 * suite). Spread rather than merged, so that `include` is replaced.
 */
export default defineConfig({
  test: {
    ...sharedVitestConfig.test,
    include: ['campaign/**/*.campaign.ts'],
    testTimeout: 0,
    reporters: ['default'],
    outputFile: undefined,
  },
});
