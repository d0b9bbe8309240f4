import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MemoryBackend } from '@cachestack/memory';
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';

const distUrl = new URL('../dist/index.js', import.meta.url);
if (!existsSync(distUrl)) {
  throw new Error('dist/ is missing: build the package with `npx tsup` before running the tests');
}

const EXPORTS = ['KeyvCachestack'];

describe('the built package', () => {
  it('the ESM entry exports the public API and works under Keyv', async () => {
    const esm = (await import(distUrl.href)) as Record<string, unknown>;
    expect(Object.keys(esm).sort()).toEqual(EXPORTS);
    const { KeyvCachestack } = esm as typeof import('../src/index.js');
    const keyv = new Keyv({ store: new KeyvCachestack({ backend: new MemoryBackend() }) });
    await keyv.set('k', { a: 1 }, 1_000);
    expect(await keyv.get('k')).toEqual({ a: 1 });
    await keyv.disconnect();
  });

  it('the CommonJS entry exports the same names', () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as Record<string, unknown>;
    expect(Object.keys(cjs).sort()).toEqual(EXPORTS);
  });

  it('the package resolves by name through its exports map', async () => {
    const byName = (await import('@cachestack/keyv')) as Record<string, unknown>;
    expect(Object.keys(byName).sort()).toEqual(EXPORTS);
  });
});
