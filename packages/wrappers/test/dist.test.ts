import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MemoryBackend } from '@cachestack/memory';
import { describe, expect, test } from 'vitest';

const require = createRequire(import.meta.url);

const EXPORTS = [
  'ADAPTIVE_OPERATIONS',
  'AdaptiveTimeoutBackend',
  'BackendWrapper',
  'COMPRESSION_HEADER_BYTES',
  'COMPRESSION_MAGIC',
  'CircuitBreakerBackend',
  'CompressionBackend',
  'ENCRYPTION_HEADER_BYTES',
  'ENCRYPTION_KEY_BYTES',
  'ENCRYPTION_MAGIC',
  'EncryptionBackend',
  'EncryptionKey',
  'LoadSheddingBackend',
  'OVERLOADED',
  'RETRIED_OPERATIONS',
  'RetryBackend',
  'cachePreset',
  'presetBackend',
  'zstdAvailable',
];

describe('built entry points', () => {
  test('dist exists (run `npx tsup` first)', () => {
    expect(existsSync(new URL('../dist/index.js', import.meta.url))).toBe(true);
    expect(existsSync(new URL('../dist/index.cjs', import.meta.url))).toBe(true);
  });

  test('import and require of the package name export the same API', async () => {
    const esm = (await import('@cachestack/wrappers')) as Record<string, unknown>;
    const cjs = require('@cachestack/wrappers') as Record<string, unknown>;
    expect(Object.keys(esm).sort()).toEqual(EXPORTS);
    expect(
      Object.keys(cjs)
        .filter((name) => name !== '__esModule')
        .sort(),
    ).toEqual(EXPORTS);
  });

  test('the CommonJS build works end to end: compression over encryption over memory', async () => {
    const cjs = require('@cachestack/wrappers') as typeof import('../src/index.js');
    const inner = new MemoryBackend();
    const backend = new cjs.CompressionBackend(
      new cjs.EncryptionBackend(inner, { keys: [cjs.EncryptionKey.generate(1)] }),
    );
    const value = Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, id) => ({ id }))));
    await backend.set('k', value);
    expect(Buffer.from((await backend.get('k')) as Uint8Array).equals(value)).toBe(true);
    expect(backend.backendType).toBe('compressed(encrypted(memory))');
    await backend.close();
    await expect(inner.get('k')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
