import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const names = [
  'HttpCache',
  'cacheHandler',
  'expressCache',
  'computeEntityTag',
  'parseCacheControl',
  'createReverseProxy',
  'fastifyCache',
];

describe('published entry points (run `npx tsup` first)', () => {
  it('loads the ESM build', async () => {
    const esm = (await import(new URL('../dist/index.js', import.meta.url).href)) as Record<
      string,
      unknown
    >;
    for (const name of names) expect(typeof esm[name], name).toBe('function');
  });

  it('loads the CJS build', () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as Record<string, unknown>;
    for (const name of names) expect(typeof cjs[name], name).toBe('function');
  });
});
