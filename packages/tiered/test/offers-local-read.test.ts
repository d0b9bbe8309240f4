import { randomUUID } from 'node:crypto';
import {
  BackendErrorType,
  hasLocalRead,
  isBackendError,
  LOCAL_READ,
  LOCAL_READ_UNAVAILABLE,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer, recordTraces, settled } from '@cachestack/test-support';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisInvalidationBus, TieredBackend, type TieredBackendOptions } from '../src/index.js';
import { bytes, instrumentedMemory, sleep, text, waitFor } from './support/helpers.js';

// TieredBackend OFFERS core's local-read protocol: an L1 hit answered
// synchronously, exactly as `get` would, and a decline for everything else.
// Real parts: MemoryBackend L1s over a real redis-server L2.

const server = await RedisServer.start();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => server.destroy());

/** A real MemoryBackend that counts its local reads and can be made to fail like a lost store. */
class FlakyMemory extends MemoryBackend {
  localReads = 0;
  failing = false;
  override [LOCAL_READ](key: string) {
    this.localReads += 1;
    if (this.failing) throw refused();
    return super[LOCAL_READ](key);
  }
  override get(key: string) {
    if (this.failing) return Promise.reject(refused());
    return super.get(key);
  }
  override set(key: string, value: Uint8Array, ttlMs?: number) {
    if (this.failing) return Promise.reject(refused());
    return super.set(key, value, ttlMs);
  }
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
}

/** A tiered cache: a FlakyMemory L1 over a real Redis L2 in a fresh namespace. */
function memoryOverRedis(options: Partial<TieredBackendOptions> = {}, namespace = randomUUID()) {
  const l1 = new FlakyMemory();
  const l2 = new RedisBackend({ url: server.url, namespace });
  const tiered = new TieredBackend({ tiers: [l1, l2], ...options });
  cleanups.push(() => tiered.close());
  return { l1, l2, tiered };
}

/** What the facade does (packages/cache `readNow`): the local read, `get` when it declines. */
async function facadeRead(tiered: TieredBackend, key: string): Promise<Uint8Array | undefined> {
  const now = tiered[LOCAL_READ](key);
  return now === LOCAL_READ_UNAVAILABLE ? tiered.get(key) : now;
}

describe('TieredBackend offers the local read', () => {
  it('is recognised by hasLocalRead', () => {
    const { tiered } = memoryOverRedis();
    expect(hasLocalRead(tiered)).toBe(true);
  });

  it('answers an L1 hit synchronously with the bytes get resolves, never aliasing storage', async () => {
    const { l2, tiered } = memoryOverRedis();
    await tiered.set('k', bytes('value-1'));
    const now = tiered[LOCAL_READ]('k') as Uint8Array;
    expect(now).toBeInstanceOf(Uint8Array);
    expect(text(now)).toBe(text(await tiered.get('k')));
    now.fill(0);
    const again = tiered[LOCAL_READ]('k') as Uint8Array;
    expect(again).not.toBe(now);
    expect(text(again)).toBe('value-1');
    again[0] = 0x5a;
    expect(text(await tiered.get('k'))).toBe('value-1');
    expect(text(await l2.get('k'))).toBe('value-1');
  });

  it('answers an empty value as a hit (a zero-length array, not a miss)', async () => {
    const { tiered } = memoryOverRedis();
    await tiered.set('empty', new Uint8Array(0));
    const now = tiered[LOCAL_READ]('empty');
    expect(now).toBeInstanceOf(Uint8Array);
    expect((now as Uint8Array).byteLength).toBe(0);
  });

  it('declines an L1 miss; the get that follows asks L2 and backfills, reading L1 once', async () => {
    const { l1, l2, tiered } = memoryOverRedis();
    await l2.set('k', bytes('from-redis'), 60_000);
    const before = l1.localReads;
    expect(tiered[LOCAL_READ]('k')).toBe(LOCAL_READ_UNAVAILABLE);
    expect(text(await tiered.get('k'))).toBe('from-redis');
    // The declined local read already read L1: one L1 read for one logical get, as `get` alone.
    expect(l1.localReads - before).toBe(1);
    await waitFor(async () => text(await l1.get('k')) === 'from-redis');
    expect(text(tiered[LOCAL_READ]('k') as Uint8Array)).toBe('from-redis');
  });

  it('forgets a declined miss at the end of the turn and after a write', async () => {
    const { l1, tiered } = memoryOverRedis();
    expect(tiered[LOCAL_READ]('k')).toBe(LOCAL_READ_UNAVAILABLE);
    await Promise.resolve();
    await l1.set('k', bytes('only-in-l1'));
    // A later get reads L1 again (it holds a copy now), it does not skip it.
    expect(text(await tiered.get('k'))).toBe('only-in-l1');

    expect(tiered[LOCAL_READ]('w')).toBe(LOCAL_READ_UNAVAILABLE);
    const reads = l1.localReads;
    const write = tiered.set('w', bytes('written'));
    const read = tiered.get('w');
    expect(l1.localReads).toBe(reads + 1); // the write moved the epoch: L1 is read again
    await write;
    await read;
    expect(text(await facadeRead(tiered, 'w'))).toBe('written');
  });

  it('never answers an expired copy, and a backfilled copy never outlives L2', async () => {
    const { l2, tiered } = memoryOverRedis();
    await tiered.set('short', bytes('v'), 60);
    expect(text(tiered[LOCAL_READ]('short') as Uint8Array)).toBe('v');
    await sleep(120);
    expect(tiered[LOCAL_READ]('short')).toBe(LOCAL_READ_UNAVAILABLE);
    expect(await tiered.get('short')).toBeUndefined();

    await l2.set('filled', bytes('from-l2'), 300);
    expect(text(await tiered.get('filled'))).toBe('from-l2');
    await waitFor(() => tiered[LOCAL_READ]('filled') !== LOCAL_READ_UNAVAILABLE);
    await sleep(350);
    expect(tiered[LOCAL_READ]('filled')).toBe(LOCAL_READ_UNAVAILABLE);
    expect(await tiered.get('filled')).toBeUndefined();
  });

  it('declines a copy dropped by an invalidation message from another instance', async () => {
    const namespace = randomUUID();
    const instance = (origin: string) => {
      const client = new Redis(server.url);
      const bus = new RedisInvalidationBus({ client });
      cleanups.push(() => client.quit().catch(() => client.disconnect()));
      cleanups.push(() => bus.close());
      return memoryOverRedis({ invalidation: { bus, namespace, origin } }, namespace);
    };
    const a = instance('a');
    const b = instance('b');
    await Promise.all([a.tiered.ready(), b.tiered.ready()]);
    const dropped: unknown[] = [];
    b.tiered.onInvalidate((event) => dropped.push(event));

    await a.tiered.set('k', bytes('v1'));
    await waitFor(async () => {
      expect(text(await facadeRead(b.tiered, 'k'))).toBe('v1');
      return text(await b.l1.get('k')) === 'v1';
    });
    expect(text(b.tiered[LOCAL_READ]('k') as Uint8Array)).toBe('v1');
    await a.tiered.set('k', bytes('v2'));
    await waitFor(() => b.tiered[LOCAL_READ]('k') === LOCAL_READ_UNAVAILABLE);
    expect(dropped.length).toBeGreaterThan(0);
    expect(text(await facadeRead(b.tiered, 'k'))).toBe('v2');
  });

  it('declines once closed (even over tiers left open); get then rejects with CLOSED', async () => {
    const { l1, l2, tiered } = memoryOverRedis({ closeTiers: false });
    cleanups.push(() => l2.close());
    await tiered.set('k', bytes('v'));
    await tiered.close();
    expect(text(await l1.get('k'))).toBe('v');
    expect(tiered[LOCAL_READ]('k')).toBe(LOCAL_READ_UNAVAILABLE);
    const error = await tiered.get('k').catch((caught: unknown) => caught);
    expect(isBackendError(error) && error.code).toBe('CLOSED');
  });

  it('throws INVALID_KEY for a bad key, as get rejects', async () => {
    const { tiered } = memoryOverRedis();
    let thrown: unknown;
    try {
      tiered[LOCAL_READ]('');
    } catch (error) {
      thrown = error;
    }
    expect(isBackendError(thrown) && thrown.code).toBe('INVALID_KEY');
    const rejected = await tiered.get('').catch((caught: unknown) => caught);
    expect(isBackendError(rejected) && rejected.code).toBe('INVALID_KEY');
  });
});

describe('TieredBackend declines the local read when get would do more', () => {
  it('while a time limit applies to get (option or withTimeout scope)', async () => {
    const scoped = memoryOverRedis();
    await scoped.tiered.set('k', bytes('v'));
    const inside = await scoped.tiered.withTimeout('get', 1_000, () =>
      scoped.tiered[LOCAL_READ]('k'),
    );
    expect(inside).toBe(LOCAL_READ_UNAVAILABLE);
    expect(text(scoped.tiered[LOCAL_READ]('k') as Uint8Array)).toBe('v');

    const limited = memoryOverRedis({ timeouts: { get: 1_000 } });
    await limited.tiered.set('k', bytes('v'));
    expect(limited.tiered[LOCAL_READ]('k')).toBe(LOCAL_READ_UNAVAILABLE);
    expect(text(await limited.tiered.get('k'))).toBe('v');
  });

  it('over an L1 without the protocol', async () => {
    const l1 = instrumentedMemory('l1');
    const tiered = new TieredBackend({
      tiers: [l1, new RedisBackend({ url: server.url, namespace: randomUUID() })],
    });
    cleanups.push(() => tiered.close());
    await tiered.set('k', bytes('v'));
    expect(tiered[LOCAL_READ]('k')).toBe(LOCAL_READ_UNAVAILABLE);
    expect(text(await tiered.get('k'))).toBe('v');
  });

  it('when L1 fails, and while its circuit is open (a stale L1 copy is never served)', async () => {
    const { l1, tiered } = breakerSetup();
    await tiered.set('k', bytes('v1'));
    l1.failing = true;
    expect(tiered[LOCAL_READ]('k')).toBe(LOCAL_READ_UNAVAILABLE);
    // get absorbs the L1 failures (read, then backfill: L2 answers); two open the circuit.
    expect(text(await tiered.get('k'))).toBe('v1');
    expect(text(await tiered.get('k'))).toBe('v1');
    expect(tiered.circuitStates()[0]).toBe('open');
    // A write while L1's circuit is open skips L1: its copy stays v1 there.
    await tiered.set('k', bytes('v2'));
    l1.failing = false;
    expect(text(await l1.get('k'))).toBe('v1');
    expect(tiered[LOCAL_READ]('k')).toBe(LOCAL_READ_UNAVAILABLE);
    expect(text(await facadeRead(tiered, 'k'))).toBe('v2');
  });

  it('while someone subscribes to cachestack:tiered tracing, so every facade read is traced', async () => {
    const { l2, tiered } = memoryOverRedis();
    await tiered.set('hit', bytes('v'));
    await l2.set('lower', bytes('w'), 60_000);
    const recorder = recordTraces(TRACING_CHANNEL_NAMES.tiered);
    cleanups.push(recorder.stop);
    expect(tiered[LOCAL_READ]('hit')).toBe(LOCAL_READ_UNAVAILABLE);
    expect(text(await facadeRead(tiered, 'hit'))).toBe('v');
    expect(text(await facadeRead(tiered, 'lower'))).toBe('w');
    expect(await facadeRead(tiered, 'none')).toBeUndefined();
    const bad = await facadeRead(tiered, '').catch((caught: unknown) => caught);
    expect(isBackendError(bad) && bad.type).toBe(BackendErrorType.PERMANENT);
    const reads = settled(recorder.events).filter((context) => context.operation === 'get');
    expect(reads.map((context) => [context.key, context.tier])).toEqual([
      ['hit', 0],
      ['lower', 1],
      ['none', undefined],
      ['', undefined],
    ]);
    recorder.stop();
    expect(text(tiered[LOCAL_READ]('hit') as Uint8Array)).toBe('v');
  });
});

/** A FlakyMemory L1 whose circuit opens after two failures (and stays open) over Redis. */
function breakerSetup() {
  const l1 = new FlakyMemory();
  const tiered = new TieredBackend({
    tiers: [
      { backend: l1, circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } },
      new RedisBackend({ url: server.url, namespace: randomUUID() }),
    ],
  });
  cleanups.push(() => tiered.close());
  return { l1, tiered };
}
