import { MemoryBackend } from '@cachestack/memory';
import { printed, recordTraces, settled } from '@cachestack/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { TieredBackend } from '../src/index.js';
import { bytes, instrumentedMemory, text } from './support/helpers.js';

// getMany when L1 (in-process, local-read protocol) has every key: answered
// by L1 alone, the lower tiers untouched.
const open: TieredBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

function setup() {
  const l1 = new MemoryBackend();
  const l2 = instrumentedMemory('memory-l2');
  const cache = new TieredBackend({ tiers: [l1, l2] });
  open.push(cache);
  return { l1, l2, cache };
}

describe('getMany with every key in L1', () => {
  it('answers from L1 without asking L2; duplicates get their own copies', async () => {
    const { l2, cache } = setup();
    await cache.setMany([
      { key: 'a', value: bytes('A') },
      { key: 'b', value: bytes('B') },
    ]);
    const reads = l2.count('getMany') + l2.count('get');
    const values = await cache.getMany(['a', 'b', 'a']);
    expect(values.map(text)).toEqual(['A', 'B', 'A']);
    expect(l2.count('getMany') + l2.count('get')).toBe(reads);
    (values[0] as Uint8Array).fill(0);
    expect(text(values[2])).toBe('A');
    expect(text((await cache.getMany(['a']))[0])).toBe('A');
  });

  it('one L1 miss takes the general path: L2 answers it and it is backfilled', async () => {
    const { l1, l2, cache } = setup();
    await cache.set('a', bytes('A'));
    await l2.set('b', bytes('B'));
    expect((await cache.getMany(['a', 'b', 'c'])).map(text)).toEqual(['A', 'B', undefined]);
    expect(l2.count('getMany')).toBe(1);
    expect(text(await l1.get('b'))).toBe('B');
  });

  it('empty key lists, bad keys and a closed cache behave as before', async () => {
    const { cache } = setup();
    expect(await cache.getMany([])).toEqual([]);
    await expect(cache.getMany(['ok', ''])).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await cache.close();
    await expect(cache.getMany(['a'])).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('a time limit on getMany still applies (the general path)', async () => {
    const { l2, cache } = setup();
    await cache.set('a', bytes('A'));
    l2.delays.set('getMany', 200);
    await l2.set('slow', bytes('S'));
    await expect(
      cache.withTimeout('getMany', 50, () => cache.getMany(['a', 'slow'])),
    ).rejects.toMatchObject({ type: 'TIMEOUT' });
  });

  it('is traced like any getMany when someone subscribes (outcome hit, no value bytes)', async () => {
    const { l2, cache } = setup();
    await cache.set('a', bytes('secret-A'));
    await cache.set('b', bytes('secret-B'));
    const traces = recordTraces('cachestack:tiered');
    try {
      expect((await cache.getMany(['a', 'b'])).map(text)).toEqual(['secret-A', 'secret-B']);
    } finally {
      traces.stop();
    }
    const done = settled(traces.events);
    expect(done.map((c) => [c.operation, c.outcome, c.keyCount, c.hits])).toEqual([
      ['getMany', 'hit', 2, 2],
    ]);
    expect(l2.count('getMany')).toBe(0);
    const contexts = printed(traces.events.map(([, context]) => context));
    expect(contexts).not.toContain('secret');
    expect(contexts).not.toContain(printed([Buffer.from('secret-A')]).slice(0, 30));
  });
});
