import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const distUrl = new URL('../dist/index.js', import.meta.url);
if (!existsSync(distUrl)) {
  throw new Error('dist/ is missing: build the package with `npx tsup` before running the tests');
}

const EXPORTS = [
  'ATTRIBUTE_NAMES',
  'BREAKER_STATE_VALUES',
  'DURATION_BUCKETS_SECONDS',
  'INSTRUMENTATION_NAME',
  'METRIC_NAMES',
  'instrumentCachestack',
];

describe('the built package', () => {
  it('the ESM entry exports the public API, and it instruments and disables', async () => {
    const esm = (await import(distUrl.href)) as typeof import('../src/index.js');
    expect(Object.keys(esm).sort()).toEqual(EXPORTS);
    const instrumentation = esm.instrumentCachestack();
    expect(instrumentation.enabled).toBe(true);
    instrumentation.disable();
    expect(instrumentation.enabled).toBe(false);
  });

  it('the CommonJS entry exports the same names', () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as Record<string, unknown>;
    expect(Object.keys(cjs).sort()).toEqual(EXPORTS);
  });

  it('the package resolves by name through its exports map', async () => {
    const byName = (await import('@cachestack/otel')) as Record<string, unknown>;
    expect(Object.keys(byName).sort()).toEqual(EXPORTS);
  });
});
