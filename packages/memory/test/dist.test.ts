import { createRequire } from 'node:module';
import { isBackendError } from '@cachestack/core';
import { describe, expect, it } from 'vitest';

// Proves the published entry points (built by `tsup`) load and work. The paths
// are variables so that type-checking does not need a build first.
type PackageExports = typeof import('../src/index.js');
const ESM_ENTRY = '../dist/index.js';
const CJS_ENTRY = '../dist/index.cjs';

describe('built entry points', () => {
  it('dist/index.js (ESM) exposes a working MemoryBackend', async () => {
    const esm = (await import(ESM_ENTRY)) as PackageExports;
    expect(typeof esm.MemoryBackend).toBe('function');
    expect(typeof esm.createMemoryBackend).toBe('function');
    const cache = new esm.MemoryBackend();
    await cache.set('k', new Uint8Array([1, 2]));
    expect([...((await cache.get('k')) ?? [])]).toEqual([1, 2]);
    await cache.close();
  });

  it('dist/index.cjs (require) exposes a working MemoryBackend whose errors core recognises', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require(CJS_ENTRY) as PackageExports;
    expect(typeof cjs.MemoryBackend).toBe('function');
    expect(cjs.ENTRY_OVERHEAD_BYTES).toBe(64);
    const cache = new cjs.MemoryBackend();
    await cache.close();
    let caught: unknown;
    await cache.get('k').catch((error: unknown) => {
      caught = error;
    });
    expect(isBackendError(caught)).toBe(true);
    expect((caught as { code?: string }).code).toBe('CLOSED');
  });
});
