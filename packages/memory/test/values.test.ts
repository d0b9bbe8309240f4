import { describe, expect, it } from 'vitest';
import { bytes, closedAfterEach, expectBackendError, text } from './helpers.js';

const create = closedAfterEach();

describe('values and keys', () => {
  it('copies values on the way in and out; returns Buffers', async () => {
    const cache = create();
    const input = bytes('abc');
    await cache.set('k', input);
    input[0] = 0x7a;
    const first = await cache.get('k');
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(text(first)).toBe('abc');
    first![1] = 0x7a;
    expect(text(await cache.get('k'))).toBe('abc');
    const [many] = await cache.getMany(['k']);
    many![2] = 0x7a;
    expect(text(await cache.get('k'))).toBe('abc');
  });

  it('stores a view of a larger buffer as just its bytes', async () => {
    const cache = create();
    const big = Buffer.from('0123456789');
    await cache.set('k', big.subarray(2, 5));
    big.fill(0);
    expect(text(await cache.get('k'))).toBe('234');
  });

  it('treats an empty value as a hit', async () => {
    const cache = create();
    await cache.set('empty', new Uint8Array(0));
    expect((await cache.get('empty'))?.byteLength).toBe(0);
    expect(await cache.exists('empty')).toBe(true);
  });

  it('rejects non-bytes values with INVALID_VALUE', async () => {
    const cache = create();
    for (const value of ['text', 42, null, undefined, [1, 2], new Uint16Array(2)]) {
      await expectBackendError(cache.set('k', value as never), 'INVALID_VALUE', 'PERMANENT');
    }
    expect(await cache.exists('k')).toBe(false);
  });

  it('accepts any well-formed key up to 1024 UTF-8 bytes, rejects the rest with INVALID_KEY', async () => {
    const cache = create();
    for (const key of ['a/../b', ' ', '{}()/\\@:', '🔑', 'é'.repeat(512), 'x'.repeat(1024)]) {
      await cache.set(key, bytes(key.slice(0, 3)));
      expect(text(await cache.get(key))).toBe(key.slice(0, 3));
    }
    expect(await cache.exists('A/../b')).toBe(false);
    const bad = ['', 'x'.repeat(1025), 'é'.repeat(513), '\ud800', 7, null, undefined, {}];
    for (const key of bad) {
      for (const call of [
        () => cache.get(key as string),
        () => cache.set(key as string, bytes('v')),
        () => cache.delete(key as string),
        () => cache.exists(key as string),
        () => cache.getTtl(key as string),
        () => cache.refreshTtl(key as string, 1_000),
        () => cache.acquireLock(key as string, { ttlMs: 1_000 }),
      ]) {
        await expectBackendError(call(), 'INVALID_KEY', 'PERMANENT');
      }
    }
  });

  it('delete reports whether a live key existed', async () => {
    const cache = create();
    expect(await cache.delete('missing')).toBe(false);
    await cache.set('k', bytes('v'));
    expect(await cache.delete('k')).toBe(true);
    expect(await cache.delete('k')).toBe(false);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('of concurrent deletes of one key exactly one returns true', async () => {
    const cache = create();
    await cache.set('k', bytes('v'));
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.delete('k')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
