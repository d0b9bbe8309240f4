import { isBackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { ReferenceBackend, ReferenceStore } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { TieredBackend } from '../src/index.js';

async function rejectionOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function list(iterable: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of iterable) keys.push(key);
  return keys;
}

// The tiered backend applies core's input rules itself, before any tier is
// asked: invalid input is PERMANENT whatever its tiers check or their state.
describe('input validation', () => {
  it('keys() with a lone-surrogate prefix rejects INVALID_ARGUMENT even over a tier that would list on', async () => {
    const store = new ReferenceStore();
    await using backend = new TieredBackend({
      tiers: [{ backend: new MemoryBackend() }, { backend: new ReferenceBackend(store, 'ns') }],
    });
    await backend.set('a\uD83D\uDE00', Buffer.from('v'));
    for (const prefix of ['a\uD83D', '\uDE00', 5, null]) {
      const error = await rejectionOf(() => list(backend.keys!(prefix as string)));
      expect(isBackendError(error) && [error.type, error.code, error.operation]).toEqual([
        'PERMANENT',
        'INVALID_ARGUMENT',
        'keys',
      ]);
    }
    expect(await list(backend.keys!('a'))).toEqual(['a\uD83D\uDE00']);
  });

  it('bad acquireLock options are PERMANENT even while the lock tier is down and its circuit open', async () => {
    const store = new ReferenceStore();
    await using backend = new TieredBackend({
      tiers: [
        { backend: new MemoryBackend() },
        { backend: new ReferenceBackend(store, 'ns'), circuitBreaker: { failureThreshold: 1 } },
      ],
    });
    store.unavailable = true;
    await rejectionOf(() => backend.acquireLock!('k', { ttlMs: 1_000 }));
    expect(backend.circuitStates()[1]).toBe('open');
    for (const [options, code] of [
      [{ ttlMs: 0 }, 'INVALID_TTL'],
      [{ ttlMs: 1_000, waitMs: -1 }, 'INVALID_ARGUMENT'],
      [null, 'INVALID_ARGUMENT'],
    ] as const) {
      const error = await rejectionOf(() => backend.acquireLock!('k', options as never));
      expect(isBackendError(error) && [error.type, error.code]).toEqual(['PERMANENT', code]);
    }
  });

  it('setMany rejects a batch whose earlier entry for a key is over a tier limit, even when a later one fits', async () => {
    await using backend = new TieredBackend({
      tiers: [
        { backend: new MemoryBackend({ maxValueBytes: 4096 }) },
        { backend: new MemoryBackend({ maxValueBytes: 4096 }) },
      ],
    });
    await backend.set('k', Buffer.from('before'));
    const error = await rejectionOf(() =>
      backend.setMany!([
        { key: 'k', value: new Uint8Array(4097) },
        { key: 'k', value: Buffer.from('x') },
        { key: 'other', value: Buffer.from('y') },
      ]),
    );
    expect(isBackendError(error) && [error.type, error.code]).toEqual([
      'PERMANENT',
      'VALUE_TOO_LARGE',
    ]);
    expect(Buffer.from((await backend.get('k'))!).toString()).toBe('before');
    expect(await backend.get('other')).toBeUndefined();
    // A batch whose duplicates all fit still stores the later entry.
    await backend.setMany!([
      { key: 'k', value: Buffer.from('first') },
      { key: 'k', value: Buffer.from('second'), ttlMs: 60_000 },
    ]);
    expect(Buffer.from((await backend.get('k'))!).toString()).toBe('second');
    expect(await backend.getTtl!('k')).toBeGreaterThan(59_000);
  });
});
