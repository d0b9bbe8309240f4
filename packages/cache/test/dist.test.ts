import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';

const require = createRequire(import.meta.url);

const EXPECTED = [
  'Cache',
  'DEFAULT_LOCK_MS',
  'DEFAULT_OBJECT_TIER_TTL_MS',
  'DEFAULT_SERIALIZER_MAX_DEPTH',
  'DefaultSerializerTag',
  'ENVELOPE_FLAG_TAGS',
  'ENVELOPE_HEADER_BYTES',
  'ENVELOPE_MAGIC',
  'INVALID_TAG',
  'MAX_TAGS_PER_CALL',
  'MAX_TAGS_PER_ENTRY',
  'MAX_TAG_BYTES',
  'MSGPACKR_SERIALIZER_TAG',
  'RESERVED_KEY_CHARACTER',
  'cacheEvict',
  'cachePut',
  'cacheable',
  'compileKey',
  'corruptError',
  'createCache',
  'createMsgpackrSerializer',
  'defaultSerializer',
  'msgpackrSerializer',
  'normalizeTags',
  'parameterNames',
  'unserializableError',
];

describe('built entry points', () => {
  test('dist exists (run `npx tsup` first)', () => {
    expect(existsSync(new URL('../dist/index.js', import.meta.url))).toBe(true);
    expect(existsSync(new URL('../dist/index.cjs', import.meta.url))).toBe(true);
  });

  test('import and require of the package name resolve and export the same API', async () => {
    const esm = (await import('@cachestack/cache')) as Record<string, unknown>;
    const cjs = require('@cachestack/cache') as Record<string, unknown>;
    expect(Object.keys(esm).sort()).toEqual(EXPECTED);
    expect(
      Object.keys(cjs)
        .filter((k) => k !== '__esModule')
        .sort(),
    ).toEqual(EXPECTED);
  });

  test('the CommonJS build works end to end with a real backend', async () => {
    const cjs = require('@cachestack/cache') as typeof import('../src/index.js');
    const { MemoryBackend } = require('@cachestack/memory') as typeof import('@cachestack/memory');
    const backend = new MemoryBackend();
    const cache = cjs.createCache({ backend, namespace: 'dist' });
    expect(await cache.getOrSet('k', async () => new Map([[1, 'one']]))).toEqual(
      new Map([[1, 'one']]),
    );
    expect(await cache.get('k')).toEqual(new Map([[1, 'one']]));
    await backend.close();
  });
});
