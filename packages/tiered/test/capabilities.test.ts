import {
  BackendError,
  isBatch,
  isClearable,
  isKeyIterable,
  isLockable,
  isTimeoutConfigurable,
  isTtlInspectable,
  requireCapability,
} from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { TieredBackend } from '../src/index.js';
import { bytes, instrumentedMemory } from './support/helpers.js';

const open: TieredBackend[] = [];
function tiered(...args: ConstructorParameters<typeof TieredBackend>): TieredBackend {
  const backend = new TieredBackend(...args);
  open.push(backend);
  return backend;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

describe('capabilities', () => {
  it('offers every capability when every tier is a full MemoryBackend', () => {
    const cache = tiered({ tiers: [new MemoryBackend(), new MemoryBackend()] });
    expect(isTtlInspectable(cache)).toBe(true);
    expect(isLockable(cache)).toBe(true);
    expect(isTimeoutConfigurable(cache)).toBe(true);
    expect(isBatch(cache)).toBe(true);
    expect(isClearable(cache)).toBe(true);
    expect(isKeyIterable(cache)).toBe(true);
  });

  it('offers ttl, lock and keys only when the authoritative tier does', () => {
    const cache = tiered({
      tiers: [new MemoryBackend(), instrumentedMemory('plain', { capabilities: ['clear'] })],
    });
    expect(isTtlInspectable(cache)).toBe(false);
    expect(isLockable(cache)).toBe(false);
    expect(isKeyIterable(cache)).toBe(false);
    expect('getTtl' in cache).toBe(false);
    expect(isClearable(cache)).toBe(true);
    expect(isBatch(cache)).toBe(true);
    expect(isTimeoutConfigurable(cache)).toBe(true);
    expect(() => requireCapability(cache, 'lock')).toThrow(BackendError);
  });

  it('offers clear only when every tier is clearable', () => {
    const cache = tiered({
      tiers: [instrumentedMemory('no-clear', { capabilities: ['ttl'] }), new MemoryBackend()],
    });
    expect(isClearable(cache)).toBe(false);
    expect(isTtlInspectable(cache)).toBe(true);
  });

  it('batch works through tiers without batch methods (per-key calls)', async () => {
    const l1 = instrumentedMemory('L1', { capabilities: [] });
    const l2 = instrumentedMemory('L2', { capabilities: [] });
    const cache = tiered({ tiers: [l1, l2] });
    await cache.setMany([
      { key: 'a', value: bytes('A') },
      { key: 'b', value: bytes('B') },
    ]);
    expect(l2.count('set')).toBe(2);
    expect((await cache.getMany(['a', 'b', 'c'])).map((v) => v?.length)).toEqual([1, 1, undefined]);
    expect(await cache.deleteMany(['a', 'b', 'c'])).toBe(2);
  });

  it('locks come from the authoritative tier', async () => {
    const l1 = new MemoryBackend();
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [l1, l2] });
    const lock = await cache.acquireLock?.('job', { ttlMs: 5_000 });
    expect(lock?.token).toMatch(/^[0-9a-f]{32}$/);
    expect(await l2.acquireLock('job', { ttlMs: 5_000 })).toBeUndefined();
    const l1Lock = await l1.acquireLock('job', { ttlMs: 5_000 });
    expect(l1Lock).toBeDefined();
    await l1Lock?.release();
    expect(await cache.acquireLock?.('job', { ttlMs: 5_000 })).toBeUndefined();
    expect(await lock?.release()).toBe(true);
    const again = await l2.acquireLock('job', { ttlMs: 5_000 });
    expect(again).toBeDefined();
    await again?.release();
    expect(await cache.get('job')).toBeUndefined();
  });

  it('withTimeout limits tiered operations and scopes the limit on each tier', async () => {
    const l2 = instrumentedMemory('slow');
    l2.delays.set('get', 200);
    const cache = tiered({ tiers: [new MemoryBackend(), l2] });
    const error = await cache.withTimeout('get', 30, () => cache.get('k')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).type).toBe('TIMEOUT');
    expect((error as BackendError).operation).toBe('get');

    // The scope reaches each timeout-configurable tier: here the tier is itself
    // a tiered backend with a slow L2, called directly inside fn.
    const slowL2 = instrumentedMemory('slow');
    slowL2.delays.set('get', 200);
    const innerTier = new TieredBackend({ tiers: [new MemoryBackend(), slowL2] });
    const nested = tiered({ tiers: [new MemoryBackend(), innerTier] });
    const scoped = await nested
      .withTimeout('get', 30, () => innerTier.get('k'))
      .catch((e: unknown) => e);
    expect((scoped as BackendError).type).toBe('TIMEOUT');
    expect(await innerTier.get('k')).toBeUndefined();
    await expect(nested.withTimeout('get', 0, () => 1)).rejects.toMatchObject({
      code: 'INVALID_TIMEOUT',
    });
  });

  it('timeouts given as defaults apply to every call', async () => {
    const l2 = instrumentedMemory('slow');
    l2.delays.set('set', 200);
    const cache = tiered({ tiers: [new MemoryBackend(), l2], timeouts: { set: 30 } });
    await expect(cache.set('k', bytes('v'))).rejects.toMatchObject({ type: 'TIMEOUT' });
  });
});
