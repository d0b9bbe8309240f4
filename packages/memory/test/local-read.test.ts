import { LOCAL_READ, LOCAL_READ_UNAVAILABLE } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from './helpers.js';

const backend = closedAfterEach();

describe('local read (synchronous get for tiered L1 hits)', () => {
  it('answers what get answers, as a private copy', async () => {
    const cache = backend();
    await cache.set('k', Buffer.from('abc'));
    const first = cache[LOCAL_READ]('k') as Uint8Array;
    expect(Buffer.from(first).toString()).toBe('abc');
    first[0] = 0;
    expect(Buffer.from((await cache.get('k')) as Uint8Array).toString()).toBe('abc');
    expect(cache[LOCAL_READ]('missing')).toBeUndefined();
  });

  it('hides expired entries', async () => {
    const cache = backend();
    await cache.set('k', Buffer.from('abc'), 20);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache[LOCAL_READ]('k')).toBeUndefined();
  });

  it('defers to get when a time limit applies or after close', async () => {
    const cache = backend();
    await cache.set('k', Buffer.from('abc'));
    const inside = await cache.withTimeout('get', 1_000, () => cache[LOCAL_READ]('k'));
    expect(inside).toBe(LOCAL_READ_UNAVAILABLE);
    await cache.close();
    expect(cache[LOCAL_READ]('k')).toBe(LOCAL_READ_UNAVAILABLE);
  });

  it('throws INVALID_KEY like get rejects', () => {
    expect(() => backend()[LOCAL_READ]('')).toThrow(/INVALID_KEY/);
  });
});
