import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytes, closedAfterEach, expectBackendError, sleep, text } from './helpers.js';

const create = closedAfterEach();
afterEach(() => {
  vi.restoreAllMocks();
});

const MAX_TIMER_MS = 2 ** 31 - 1;

describe('TTL', () => {
  it('keeps entries with TTLs beyond 2^31-1 ms (no per-entry timers)', async () => {
    const cache = create();
    const long = MAX_TIMER_MS + 10_000;
    await cache.set('long', bytes('v'), long);
    await cache.set('huge', bytes('w'), 1e15);
    await sleep(30);
    expect(text(await cache.get('long'))).toBe('v');
    expect(text(await cache.get('huge'))).toBe('w');
    const remaining = await cache.getTtl('long');
    expect(remaining).toBeGreaterThan(long - 5_000);
    expect(remaining).toBeLessThanOrEqual(long);
    expect(await cache.refreshTtl('long', MAX_TIMER_MS * 3)).toBe(true);
    expect(await cache.getTtl('long')).toBeGreaterThan(MAX_TIMER_MS * 2);
  });

  it('expires entries, and expired entries are invisible to every read path', async () => {
    const cache = create();
    await cache.set('short', bytes('v'), 20);
    await cache.set('stay', bytes('s'));
    expect(await cache.exists('short')).toBe(true);
    await sleep(60);
    expect(await cache.get('stay')).toBeDefined();
    expect(await cache.exists('short')).toBe(false);
    expect(await cache.getTtl('short')).toBeUndefined();
    expect(await cache.getMany(['short', 'stay'])).toEqual([undefined, expect.anything()]);
    const keys: string[] = [];
    for await (const key of cache.keys()) keys.push(key);
    expect(keys).toEqual(['stay']);
    expect(await cache.refreshTtl('short', 1_000)).toBe(false);
    expect(await cache.delete('short')).toBe(false);
    expect(await cache.get('short')).toBeUndefined();
  });

  it('set without a TTL removes an earlier expiry', async () => {
    const cache = create();
    await cache.set('k', bytes('1'), 30);
    await cache.set('k', bytes('2'));
    expect(await cache.getTtl('k')).toBe(Number.POSITIVE_INFINITY);
    await sleep(70);
    expect(text(await cache.get('k'))).toBe('2');
  });

  it('set with a TTL replaces the old TTL, refreshTtl replaces rather than adds', async () => {
    const cache = create();
    await cache.set('k', bytes('1'));
    await cache.set('k', bytes('2'), 10_000);
    expect(await cache.getTtl('k')).toBeLessThanOrEqual(10_000);
    expect(await cache.refreshTtl('k', 500)).toBe(true);
    const ttl = await cache.getTtl('k');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(500);
    expect(text(await cache.get('k'))).toBe('2');
  });

  it('rounds fractional TTLs up and reports whole ms', async () => {
    const cache = create();
    await cache.set('k', bytes('v'), 0.2);
    const ttl = await cache.getTtl('k');
    expect(ttl === undefined || ttl === 1).toBe(true);
    await cache.set('k2', bytes('v'), 1_000.5);
    const ttl2 = await cache.getTtl('k2');
    expect(Number.isInteger(ttl2)).toBe(true);
    expect(ttl2).toBeLessThanOrEqual(1_001);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '10', null, {}])(
    'rejects TTL %s with INVALID_TTL and leaves the entry unchanged',
    async (ttl) => {
      const cache = create();
      await cache.set('k', bytes('old'), 60_000);
      await expectBackendError(
        cache.set('k', bytes('new'), ttl as number),
        'INVALID_TTL',
        'PERMANENT',
      );
      expect(text(await cache.get('k'))).toBe('old');
      expect(await cache.getTtl('k')).toBeLessThanOrEqual(60_000);
      await expectBackendError(cache.refreshTtl('k', ttl as number), 'INVALID_TTL', 'PERMANENT');
      expect(await cache.getTtl('k')).toBeGreaterThan(50_000);
    },
  );

  it('uses the monotonic clock: wall-clock jumps neither expire nor revive entries', async () => {
    const cache = create();
    await cache.set('minute', bytes('m'), 60_000);
    await cache.set('short', bytes('s'), 40);
    const realNow = Date.now();
    // Jump the wall clock a day ahead: the one-minute entry must stay.
    vi.spyOn(Date, 'now').mockReturnValue(realNow + 86_400_000);
    expect(text(await cache.get('minute'))).toBe('m');
    expect(await cache.getTtl('minute')).toBeGreaterThan(59_000);
    // Jump it a day back: the short entry must still expire on time.
    vi.spyOn(Date, 'now').mockReturnValue(realNow - 86_400_000);
    await sleep(80);
    expect(await cache.get('short')).toBeUndefined();
    expect(text(await cache.get('minute'))).toBe('m');
  });

  it('sweeps expired entries from memory on its own (purgeIntervalMs)', async () => {
    const cache = create({ purgeIntervalMs: 20 });
    for (let i = 0; i < 50; i++) await cache.set(`k${i}`, bytes('v'), 10);
    await cache.set('keep', bytes('v'));
    expect((await cache.healthCheck()).details.entries).toBe(51);
    const deadline = Date.now() + 5_000;
    while ((await cache.healthCheck()).details.entries !== 1 && Date.now() < deadline) {
      await sleep(20);
    }
    expect((await cache.healthCheck()).details.entries).toBe(1);
  });
});
