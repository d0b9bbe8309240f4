import type { BaseBackend } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { type Deferred, deferred } from '@cachestack/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalInvalidationBus, TieredBackend } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

// An L2 hit resolves as soon as the value is read; when the TTL for the
// backfill needs a second call (`getTtl`), the L1 copy is written in the
// background. These tests hold that second call open and write meanwhile.

/** A real MemoryBackend as L2 whose `getTtl` waits for `gate` (one per call, in order). */
class GatedTtlMemory extends MemoryBackend {
  readonly gates: Deferred<void>[] = [];
  /** While true, each `getTtl` waits for its gate. */
  gated = true;
  override async getTtl(key: string): Promise<number | undefined> {
    if (!this.gated) return super.getTtl(key);
    const gate = deferred<void>();
    this.gates.push(gate);
    await gate.promise;
    return super.getTtl(key);
  }
}

const open: BaseBackend[] = [];
afterEach(async () => {
  for (const gate of open.flatMap((b) => (b instanceof GatedTtlMemory ? b.gates : []))) {
    gate.resolve();
  }
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

function setup(invalidation?: ConstructorParameters<typeof TieredBackend>[0]['invalidation']) {
  const l1 = new MemoryBackend();
  const l2 = new GatedTtlMemory();
  const cache = new TieredBackend({ tiers: [l1, l2], invalidation, closeTiers: false });
  open.push(cache, l1, l2);
  return { l1, l2, cache };
}

describe('background backfill (L2 read without its TTL)', { timeout: 10_000 }, () => {
  it('resolves the L2 value before the TTL is known, then backfills with the L2 TTL', async () => {
    const { l1, l2, cache } = setup();
    await l2.set('k', bytes('v'), 5_000);
    expect(text(await cache.get('k'))).toBe('v');
    expect(l2.gates).toHaveLength(1);
    expect(await l1.get('k')).toBeUndefined();
    l2.gates[0]?.resolve();
    await waitFor(async () => (await l1.get('k')) !== undefined, 2_000);
    l2.gated = false;
    const l1Ttl = (await l1.getTtl('k')) as number;
    expect(l1Ttl).toBeGreaterThan(4_000);
    expect(l1Ttl).toBeLessThanOrEqual((await l2.getTtl('k')) as number);
  });

  it('a set while the backfill waits for the TTL wins: no old copy in L1', async () => {
    const { l1, l2, cache } = setup();
    await l2.set('k', bytes('old'), 5_000);
    expect(text(await cache.get('k'))).toBe('old');
    await cache.set('k', bytes('new'), 5_000);
    l2.gates[0]?.resolve();
    await cache.close(); // waits for the background backfill
    expect(text(await l1.get('k'))).toBe('new');
    expect(text(await l2.get('k'))).toBe('new');
  });

  it('a delete while the backfill waits for the TTL wins: no copy comes back', async () => {
    const { l1, l2, cache } = setup();
    await l2.set('k', bytes('old'));
    expect(text(await cache.get('k'))).toBe('old');
    expect(await cache.delete('k')).toBe(true);
    l2.gates[0]?.resolve();
    await cache.close();
    expect(await l1.get('k')).toBeUndefined();
    expect(await l2.get('k')).toBeUndefined();
  });

  it('an invalidation message while the backfill waits for the TTL wins', async () => {
    const bus = new LocalInvalidationBus();
    const { l1, l2, cache } = setup({ bus, namespace: 'n', origin: 'me' });
    await cache.ready();
    await l2.set('k', bytes('old'));
    expect(text(await cache.get('k'))).toBe('old');
    await bus.publish({ origin: 'other', namespace: 'n', kind: 'keys', keys: ['k'] });
    l2.gates[0]?.resolve();
    await cache.close();
    expect(await l1.get('k')).toBeUndefined();
  });

  it('readers arriving while the backfill is pending join the read, and get copies of their own', async () => {
    const { l2, cache } = setup();
    await l2.set('k', bytes('v'));
    const first = (await cache.get('k')) as Uint8Array;
    first.fill(0);
    // The flight is still held by the pending backfill: no second L2 read.
    expect(text(await cache.get('k'))).toBe('v');
    expect(l2.gates).toHaveLength(1);
  });

  it('close() waits for the pending backfill, which then lands before the tiers close', async () => {
    const l1 = new MemoryBackend();
    const l2 = new GatedTtlMemory();
    const cache = new TieredBackend({ tiers: [l1, l2] });
    await l2.set('k', bytes('v'), 60_000);
    expect(text(await cache.get('k'))).toBe('v');
    let closed = false;
    const closing = cache.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    l2.gates[0]?.resolve();
    await closing;
    expect(closed).toBe(true);
  });

  it('getMany: the caller mutating its values does not corrupt the background backfill', async () => {
    const { l1, l2, cache } = setup();
    await l2.set('a', bytes('A'), 5_000);
    await l2.set('b', bytes('B'));
    const values = await cache.getMany(['a', 'b']);
    expect(values.map(text)).toEqual(['A', 'B']);
    for (const value of values) value?.fill(0);
    l2.gated = false;
    for (const gate of l2.gates) gate.resolve();
    await cache.close();
    expect(text(await l1.get('a'))).toBe('A');
    expect(text(await l1.get('b'))).toBe('B');
    expect((await l1.getTtl('a')) as number).toBeLessThanOrEqual((await l2.getTtl('a')) as number);
  });
});
