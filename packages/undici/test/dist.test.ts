import { createRequire } from 'node:module';
import { MemoryBackend } from '@cachestack/memory';
import { describe, expect, it } from 'vitest';
import { bodyText, keyFor, valueFor, writeBody } from './helpers.js';

// Proves the published entry points (built by `tsup`) load and work. The paths
// are variables so that type-checking does not need a build first.
type PackageExports = typeof import('../src/index.js');
const ESM_ENTRY = '../dist/index.js';
const CJS_ENTRY = '../dist/index.cjs';

describe('built entry points', () => {
  it('dist/index.js (ESM) exposes a working BackendCacheStore', async () => {
    const esm = (await import(ESM_ENTRY)) as PackageExports;
    const backend = new MemoryBackend();
    const store = new esm.BackendCacheStore({ backend });
    await writeBody(store.createWriteStream(keyFor('/'), valueFor()), ['esm']);
    expect(await bodyText(await store.get(keyFor('/')))).toBe('esm');
    expect(esm.DEFAULT_MAX_ENTRY_SIZE).toBe(5 * 1024 * 1024);
    await backend.close();
  });

  it('dist/index.cjs (require) exposes a working BackendCacheStore', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require(CJS_ENTRY) as PackageExports;
    const backend = new MemoryBackend();
    const store = new cjs.BackendCacheStore({ backend });
    await writeBody(store.createWriteStream(keyFor('/'), valueFor()), ['cjs']);
    expect(await bodyText(await store.get(keyFor('/')))).toBe('cjs');
    expect(() => new cjs.BackendCacheStore({ backend, maxEntrySize: -1 })).toThrow(TypeError);
    await backend.close();
  });
});
