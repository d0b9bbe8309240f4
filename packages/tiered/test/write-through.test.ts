import { BackendError, type BaseBackend } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { BAD_TIMEOUTS_OPTIONS } from '@cachestack/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { TieredBackend, type TieredBackendOptions, type TierFailureEvent } from '../src/index.js';
import { bytes, instrumentedMemory, text } from './support/helpers.js';

const open: TieredBackend[] = [];
function tiered(options: TieredBackendOptions): TieredBackend {
  const backend = new TieredBackend(options);
  open.push(backend);
  return backend;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close().catch(() => undefined)));
});

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error('expected the call to reject');
}

describe('write-through', () => {
  it('writes bottom-up: Ln first, L1 last; deletes bottom-up too', async () => {
    const log: string[] = [];
    const l1 = instrumentedMemory('L1');
    const l2 = instrumentedMemory('L2');
    const l3 = instrumentedMemory('L3');
    for (const tier of [l1, l2, l3]) tier.log = log;
    const cache = tiered({ tiers: [l1, l2, l3] });
    await cache.set('k', bytes('v'));
    expect(log).toEqual(['L3:set', 'L2:set', 'L1:set']);
    log.length = 0;
    expect(await cache.delete('k')).toBe(true);
    expect(log).toEqual(['L3:delete', 'L2:delete', 'L1:delete']);
  });

  it('caps each tier copy at min(ttl, maxTtlMs)', async () => {
    const l1 = new MemoryBackend();
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [{ backend: l1, maxTtlMs: 1_000 }, l2] });
    await cache.set('k', bytes('v'), 60_000);
    await cache.set('forever', bytes('v'));
    expect(await l1.getTtl('k')).toBeLessThanOrEqual(1_000);
    expect(await l2.getTtl('k')).toBeGreaterThan(50_000);
    expect(await l1.getTtl('forever')).toBeLessThanOrEqual(1_000);
    expect(await l2.getTtl('forever')).toBe(Number.POSITIVE_INFINITY);
  });

  it('an upper copy never outlives the L2 entry, even when the L2 write is slow', async () => {
    const l1 = new MemoryBackend();
    const l2 = instrumentedMemory('slow');
    l2.delays.set('set', 150);
    const cache = tiered({ tiers: [l1, l2] });
    await cache.set('k', bytes('v'), 1_000);
    const l2Ttl = (await (l2.inner as MemoryBackend).getTtl('k')) as number;
    const l1Ttl = (await l1.getTtl('k')) as number;
    expect(l1Ttl).toBeLessThanOrEqual(l2Ttl);
    expect(l1Ttl).toBeLessThanOrEqual(1_000 - 150);
    await l1.set('short', bytes('old'));
    await cache.set('short', bytes('new'), 100);
    expect(await l1.get('short')).toBeUndefined();
  });

  it('a failed L2 write leaves no L1 copy (old or new) and rejects with the classified error', async () => {
    const l1 = new MemoryBackend();
    const l2 = instrumentedMemory('L2');
    const cache = tiered({ tiers: [l1, l2] });
    await cache.set('k', bytes('old'));
    l2.down.add('set');
    const error = await rejection(cache.set('k', bytes('new')));
    expect(error.type).toBe('TRANSIENT');
    expect(await l1.get('k')).toBeUndefined();
    l2.down.clear();
    expect(text(await cache.get('k'))).toBe('old');
  });

  it('a closed L2 makes set reject PERMANENT CLOSED and leaves no L1 copy', async () => {
    const l1 = new MemoryBackend();
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [l1, l2], closeTiers: false });
    await cache.set('k', bytes('old'));
    await l2.close();
    const error = await rejection(cache.set('k', bytes('new')));
    expect(error.code).toBe('CLOSED');
    expect(await l1.get('k')).toBeUndefined();
    await l1.close();
  });

  it('an upper tier whose write fails loses its copy, and the call still resolves', async () => {
    const l1 = instrumentedMemory('L1');
    const l2 = new MemoryBackend();
    const events: TierFailureEvent[] = [];
    const cache = tiered({ tiers: [l1, l2], onDegraded: (event) => events.push(event) });
    await cache.set('k', bytes('old'));
    l1.down.add('set');
    await cache.set('k', bytes('new'));
    expect(await l1.inner.get('k')).toBeUndefined();
    expect(events.map((event) => [event.operation, event.tier])).toEqual([['set', 'L1']]);
    l1.down.clear();
    expect(text(await cache.get('k'))).toBe('new');
  });

  it('an upper tier whose write and cleanup both fail makes the call reject', async () => {
    const l1 = instrumentedMemory('L1');
    const cache = tiered({ tiers: [l1, new MemoryBackend()] });
    l1.down.add('set').add('delete');
    const error = await rejection(cache.set('k', bytes('v')));
    expect(error.type).toBe('TRANSIENT');
  });

  it('when every tier fails, reads reject with a classified error, never a silent miss', async () => {
    const l1 = instrumentedMemory('L1');
    const l2 = instrumentedMemory('L2');
    const cache = tiered({ tiers: [l1, l2] });
    l1.down.add('*');
    l2.down.add('*');
    expect((await rejection(cache.get('k'))).type).toBe('TRANSIENT');
    expect((await rejection(cache.exists('k'))).type).toBe('TRANSIENT');
    expect((await rejection(cache.getMany(['k']))).type).toBe('TRANSIENT');
    expect((await rejection(cache.set('k', bytes('v')))).type).toBe('TRANSIENT');
    expect((await rejection(cache.delete('k'))).type).toBe('TRANSIENT');
  });

  it("readPolicy 'degrade' resolves a miss and reports the failing tier; 'strict' rejects", async () => {
    const events: TierFailureEvent[] = [];
    const degradedL2 = instrumentedMemory('L2');
    const degrade = tiered({
      tiers: [new MemoryBackend(), degradedL2],
      onDegraded: (event) => events.push(event),
    });
    degradedL2.down.add('get');
    expect(await degrade.get('k')).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]?.tier).toBe('L2');
    expect(events[0]?.error.type).toBe('TRANSIENT');
    const health = await degrade.healthCheck();
    expect(health.details.absorbedFailures).toBe(1);

    const strictL2 = instrumentedMemory('L2');
    const strict = tiered({ tiers: [new MemoryBackend(), strictL2], readPolicy: 'strict' });
    strictL2.down.add('get');
    expect((await rejection(strict.get('k'))).type).toBe('TRANSIENT');
  });

  it('an L1 hit is served while L2 is down; an L1 failure falls through to L2', async () => {
    const l1 = instrumentedMemory('L1');
    const l2 = instrumentedMemory('L2');
    const cache = tiered({ tiers: [l1, l2] });
    await cache.set('k', bytes('v'));
    l2.down.add('*');
    expect(text(await cache.get('k'))).toBe('v');
    l2.down.clear();
    l1.down.add('get');
    expect(text(await cache.get('k'))).toBe('v');
  });

  it('delete tries every tier, resolves true if any had the key, rejects when one failed', async () => {
    const l1 = instrumentedMemory('L1');
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [l1, l2] });
    await l1.inner.set('only-l1', bytes('v'));
    expect(await cache.delete('only-l1')).toBe(true);
    expect(await cache.delete('only-l1')).toBe(false);
    await cache.set('k', bytes('v'));
    l1.down.add('delete');
    await rejection(cache.delete('k'));
    expect(await l2.get('k')).toBeUndefined();
  });

  it('setMany and deleteMany go through every tier with capped ttls', async () => {
    const l1 = instrumentedMemory('L1', { capabilities: ['ttl'] });
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [{ backend: l1, maxTtlMs: 2_000 }, l2] });
    await cache.setMany([
      { key: 'a', value: bytes('A'), ttlMs: 60_000 },
      { key: 'b', value: bytes('B') },
    ]);
    expect(text(await l1.inner.get('a'))).toBe('A');
    expect(await (l1.inner as MemoryBackend).getTtl('b')).toBeLessThanOrEqual(2_000);
    expect(await l2.getTtl('b')).toBe(Number.POSITIVE_INFINITY);
    expect(await cache.deleteMany(['a', 'b', 'c'])).toBe(2);
    expect(await l1.inner.get('a')).toBeUndefined();
    expect(await l2.get('b')).toBeUndefined();
  });

  it('a failed setMany on L2 leaves none of the keys in L1', async () => {
    const l1 = new MemoryBackend();
    const l2 = instrumentedMemory('L2');
    const cache = tiered({ tiers: [l1, l2] });
    await cache.set('a', bytes('old'));
    l2.down.add('setMany');
    await rejection(
      cache.setMany([
        { key: 'a', value: bytes('A') },
        { key: 'b', value: bytes('B') },
      ]),
    );
    expect(await l1.get('a')).toBeUndefined();
    expect(await l1.get('b')).toBeUndefined();
  });

  it('refreshTtl follows L2 and caps (or drops) the upper copies', async () => {
    const l1 = new MemoryBackend();
    const l2 = new MemoryBackend();
    const cache = tiered({ tiers: [{ backend: l1, maxTtlMs: 1_000 }, l2] });
    await cache.set('k', bytes('v'));
    expect(await cache.refreshTtl?.('k', 5_000)).toBe(true);
    expect(await l2.getTtl('k')).toBeGreaterThan(4_000);
    expect(await l1.getTtl('k')).toBeLessThanOrEqual(1_000);
    expect(await cache.refreshTtl?.('k', 200)).toBe(true);
    expect(await l1.getTtl('k')).toBeLessThanOrEqual(200);
    await l1.set('orphan', bytes('o'));
    expect(await cache.refreshTtl?.('orphan', 5_000)).toBe(false);
    expect(await l1.get('orphan')).toBeUndefined();

    const plainL1 = instrumentedMemory('plain', { capabilities: [] });
    const other = tiered({ tiers: [plainL1, new MemoryBackend()] });
    await other.set('k', bytes('v'));
    expect(await other.refreshTtl?.('k', 5_000)).toBe(true);
    expect(await plainL1.inner.get('k')).toBeUndefined();
  });

  it('validates input before touching any tier', async () => {
    const l2 = instrumentedMemory('L2');
    const cache = tiered({ tiers: [new MemoryBackend(), l2] });
    await cache.set('k', bytes('v'));
    expect((await rejection(cache.set('k', bytes('x'), 0))).code).toBe('INVALID_TTL');
    expect((await rejection(cache.get(''))).code).toBe('INVALID_KEY');
    expect(l2.count('get')).toBe(0);
    expect(text(await cache.get('k'))).toBe('v');
  });

  it('rejects misspelt options with the closest known name, at every level', async () => {
    const tier = new MemoryBackend();
    const cases: [unknown, RegExp][] = [
      [
        { tiers: [tier], closeTier: false },
        /unknown option "closeTier".*did you mean "closeTiers"/,
      ],
      [
        { tiers: [{ backend: tier, maxTtl: 5 }] },
        /tiers\[0\].*unknown option "maxTtl".*"maxTtlMs"/,
      ],
      [
        { tiers: [{ backend: tier, circuitBreaker: { failureTreshold: 3 } }] },
        /circuitBreaker.*unknown option "failureTreshold".*"failureThreshold"/,
      ],
    ];
    for (const [options, message] of cases) {
      const create = () => new TieredBackend(options as never);
      expect(create).toThrow(TypeError);
      expect(create).toThrow(message);
    }
    await tier.close();
  });

  it('rejects bad options with a TypeError naming the option', () => {
    const tier: BaseBackend = new MemoryBackend();
    expect(() => new TieredBackend({ tiers: [] })).toThrow(/tiers/);
    expect(() => new TieredBackend({ tiers: [{ backend: tier, maxTtlMs: 0 }] })).toThrow(
      /tiers\[0\]\.maxTtlMs/,
    );
    expect(() => new TieredBackend({ tiers: [tier], readPolicy: 'lazy' as 'strict' })).toThrow(
      /readPolicy/,
    );
    expect(
      () =>
        new TieredBackend({
          tiers: [{ backend: tier, circuitBreaker: { failureThreshold: 1.5 } }],
        }),
    ).toThrow(/failureThreshold/);
    expect(() => new TieredBackend({ tiers: [tier, tier] })).toThrow(/same backend/);
  });

  it.each(BAD_TIMEOUTS_OPTIONS)(
    'rejects the bad timeouts option %j with the shared message',
    async (timeouts, message) => {
      const tier = new MemoryBackend();
      const create = () => new TieredBackend({ tiers: [tier], timeouts: timeouts as never });
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`TieredBackend: ${message}`);
      await tier.close();
    },
  );
});
