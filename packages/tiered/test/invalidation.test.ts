import type { InvalidationMessage } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalInvalidationBus, TieredBackend } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

const open: TieredBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

/** Two "processes": separate memory L1s over one shared L2, joined by a bus. */
async function pair(namespace = 'app') {
  const bus = new LocalInvalidationBus();
  const shared = new MemoryBackend();
  const l1a = new MemoryBackend();
  const l1b = new MemoryBackend();
  const a = new TieredBackend({
    tiers: [l1a, shared],
    closeTiers: false,
    invalidation: { bus, namespace, origin: 'a' },
  });
  const b = new TieredBackend({
    tiers: [l1b, shared],
    closeTiers: false,
    invalidation: { bus, namespace, origin: 'b' },
  });
  open.push(a, b);
  await Promise.all([a.ready(), b.ready()]);
  const seen: InvalidationMessage[] = [];
  await bus.subscribe({ onMessage: (message) => seen.push(message), onReconnect: () => {} });
  return { bus, shared, l1a, l1b, a, b, seen };
}

describe('cross-instance L1 invalidation (LocalInvalidationBus)', () => {
  it('a set in one instance drops the stale L1 copy in the other', async () => {
    const { a, b, l1b } = await pair();
    await a.set('k', bytes('v1'));
    expect(text(await b.get('k'))).toBe('v1');
    expect(text(await l1b.get('k'))).toBe('v1');
    await a.set('k', bytes('v2'));
    expect(await l1b.get('k')).toBeUndefined();
    expect(text(await b.get('k'))).toBe('v2');
  });

  it('delete, deleteMany, setMany, refreshTtl and clear are published too', async () => {
    const { a, b, l1b, seen } = await pair();
    await a.setMany([
      { key: 'x', value: bytes('X') },
      { key: 'y', value: bytes('Y') },
    ]);
    await b.getMany(['x', 'y']);
    expect(text(await l1b.get('x'))).toBe('X');
    await a.delete('x');
    expect(await l1b.get('x')).toBeUndefined();
    await b.get('y');
    await a.refreshTtl?.('y', 60_000);
    expect(await l1b.get('y')).toBeUndefined();
    await b.get('y');
    await a.deleteMany(['y']);
    expect(await l1b.get('y')).toBeUndefined();
    await l1b.set('z', bytes('local only'));
    await a.clear?.();
    expect(await l1b.get('z')).toBeUndefined();
    expect(seen.map((message) => message.kind)).toEqual(['keys', 'keys', 'keys', 'keys', 'clear']);
    for (const message of seen) {
      expect(Object.keys(message).sort()).toEqual([
        'keys',
        'kind',
        'namespace',
        'origin',
        'sentAt',
      ]);
      expect(Math.abs(Date.now() - (message.sentAt ?? 0))).toBeLessThan(5_000);
      expect(message.origin).toBe('a');
      expect(message.namespace).toBe('app');
    }
    expect(seen[0]?.keys).toEqual(['x', 'y']);
  });

  it('an instance ignores its own messages (its L1 keeps the fresh copy)', async () => {
    const { a, l1a } = await pair();
    await a.set('k', bytes('v'));
    expect(text(await l1a.get('k'))).toBe('v');
  });

  it('messages of another namespace are ignored', async () => {
    const { bus, l1b, b } = await pair('one');
    await b.set('k', bytes('v'));
    await bus.publish({ origin: 'other', namespace: 'two', kind: 'keys', keys: ['k'] });
    expect(text(await l1b.get('k'))).toBe('v');
    await bus.publish({ origin: 'other', namespace: 'one', kind: 'keys', keys: ['k'] });
    expect(await l1b.get('k')).toBeUndefined();
  });

  it('after a reconnect the local tiers are cleared, the authoritative tier is not', async () => {
    const { bus, a, l1a, shared } = await pair();
    await a.set('k', bytes('v'));
    bus.simulateReconnect();
    await waitFor(async () => (await l1a.get('k')) === undefined);
    expect(text(await shared.get('k'))).toBe('v');
  });

  it('an invalidation arriving during an in-flight read prevents the stale backfill', async () => {
    const { bus, shared, l1b, b } = await pair();
    await shared.set('k', bytes('old'));
    const reading = b.get('k');
    await shared.set('k', bytes('new'));
    await bus.publish({ origin: 'a', namespace: 'app', kind: 'keys', keys: ['k'] });
    await reading;
    const copy = await l1b.get('k');
    expect(copy === undefined || text(copy) === 'new').toBe(true);
  });

  it('a single shared tier is authoritative: remote messages never delete from it', async () => {
    const bus = new LocalInvalidationBus();
    const shared = new MemoryBackend();
    const options = { tiers: [shared], closeTiers: false, invalidation: { bus, namespace: 'n' } };
    const a = new TieredBackend(options);
    const b = new TieredBackend(options);
    open.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    await a.set('k', bytes('v'));
    await b.set('other', bytes('w'));
    expect(text(await shared.get('k'))).toBe('v');
    bus.simulateReconnect();
    await a.close();
    await b.close();
    expect(text(await shared.get('k'))).toBe('v');
    expect(text(await shared.get('other'))).toBe('w');
  });

  it('close() unsubscribes from the bus', async () => {
    const { bus, a, b } = await pair();
    expect(bus.subscriberCount).toBe(3);
    await a.close();
    await b.close();
    expect(bus.subscriberCount).toBe(1);
  });
});
