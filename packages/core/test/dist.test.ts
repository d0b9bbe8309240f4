import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

describe('published entry points', () => {
  it('load through import and require with the same exports', async () => {
    const esm = await import('@cachestack/core');
    const cjs = createRequire(import.meta.url)('@cachestack/core');
    expect(Object.keys(esm).sort()).toEqual(Object.keys(cjs).sort());
    expect(typeof esm.BackendError).toBe('function');
    expect(typeof cjs.requireCapability).toBe('function');
  });
});
