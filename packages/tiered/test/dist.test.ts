import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { describe, expect, it } from 'vitest';

const distUrl = new URL('../dist/index.js', import.meta.url);
if (!existsSync(distUrl)) {
  throw new Error('dist/ is missing: build the package with `npx tsup` before running the tests');
}

const EXPORTS = [
  'CIRCUIT_OPEN',
  'CircuitBreaker',
  'DEFAULT_INVALIDATION_CHANNEL',
  'LocalInvalidationBus',
  'RedisInvalidationBus',
  'TieredBackend',
  'countsAsTierFailure',
  'isTtlReadable',
];

describe('the built package', () => {
  it('the ESM entry exports the public API and works', async () => {
    const esm = (await import(distUrl.href)) as Record<string, unknown>;
    expect(Object.keys(esm).sort()).toEqual(EXPORTS);
    const { TieredBackend } = esm as typeof import('../src/index.js');
    const cache = new TieredBackend({ tiers: [new MemoryBackend(), new MemoryBackend()] });
    await cache.set('k', new Uint8Array([1, 2, 3]));
    expect([...((await cache.get('k')) as Uint8Array)]).toEqual([1, 2, 3]);
    await expect(cache.get('')).rejects.toBeInstanceOf(BackendError);
    await cache.close();
  });

  it('the CommonJS entry exports the same names', () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as Record<string, unknown>;
    expect(Object.keys(cjs).sort()).toEqual(EXPORTS);
  });

  it('the package resolves by name through its exports map', async () => {
    const byName = (await import('@cachestack/tiered')) as Record<string, unknown>;
    expect(typeof byName.TieredBackend).toBe('function');
  });
});
