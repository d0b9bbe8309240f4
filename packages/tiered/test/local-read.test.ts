import { isBackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { TieredBackend } from '../src/index.js';
import { bytes, instrumentedMemory, sleep, text } from './support/helpers.js';

const open: TieredBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

/** A plain MemoryBackend as L1 (it offers the synchronous local read) over a counted L2. */
function memoryOverCounted() {
  const l1 = new MemoryBackend();
  const l2 = instrumentedMemory('l2');
  const tiered = new TieredBackend({ tiers: [l1, l2] });
  open.push(tiered);
  return { l1, l2, tiered };
}

describe('L1 hits through the synchronous local read', () => {
  it('serves an L1 hit without touching L2, as a private copy', async () => {
    const { l2, tiered } = memoryOverCounted();
    await tiered.set('k', bytes('v1'));
    const before = l2.count('get');
    const first = (await tiered.get('k')) as Uint8Array;
    expect(text(first)).toBe('v1');
    first[0] = 0;
    expect(text(await tiered.get('k'))).toBe('v1');
    expect(l2.count('get')).toBe(before);
  });

  it('falls through to L2 on an L1 miss and backfills with the remaining TTL', async () => {
    const { l1, l2, tiered } = memoryOverCounted();
    await l2.set('k', bytes('from-l2'), 5_000);
    expect(text(await tiered.get('k'))).toBe('from-l2');
    expect(l2.count('get')).toBe(1);
    const copyTtl = await l1.getTtl('k');
    expect(copyTtl).toBeGreaterThan(0);
    expect(copyTtl).toBeLessThanOrEqual(5_000);
    expect(text(await tiered.get('k'))).toBe('from-l2');
    expect(l2.count('get')).toBe(1);
  });

  it('never serves an expired L1 copy', async () => {
    const { tiered } = memoryOverCounted();
    await tiered.set('k', bytes('short'), 30);
    await sleep(60);
    expect(await tiered.get('k')).toBeUndefined();
  });

  it('still honours time limits (the local read defers to get inside withTimeout)', async () => {
    const { tiered } = memoryOverCounted();
    await tiered.set('k', bytes('v'));
    const value = await tiered.withTimeout('get', 1_000, () => tiered.get('k'));
    expect(text(value)).toBe('v');
  });

  it('treats a closed L1 like a failed tier and reads L2', async () => {
    const { l1, l2, tiered } = memoryOverCounted();
    await tiered.set('k', bytes('v'));
    await l1.close();
    expect(text(await tiered.get('k'))).toBe('v');
    expect(l2.count('get')).toBe(1);
  });

  it('rejects an invalid key with INVALID_KEY before any tier', async () => {
    const { tiered } = memoryOverCounted();
    const error = await tiered.get('').catch((caught: unknown) => caught);
    expect(isBackendError(error) && error.code).toBe('INVALID_KEY');
  });
});
