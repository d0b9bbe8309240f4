import { EVENT_CHANNEL_NAMES, type InvalidationEvent } from '@cachestack/core';
import { command, RedisServer, recordEvents } from '@cachestack/test-support';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  RedisBackend,
  RedisTrackingInvalidation,
  TRACKING_CONNECTION_NAME,
  type TrackingMode,
} from '../src/index.js';
import { cached, TrackedL1, until } from './support/tracked-l1.js';

let server: RedisServer;
let plain: Redis;
let counter = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
  plain = new Redis(server.port, '127.0.0.1');
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  plain?.disconnect();
  await server?.destroy();
});

/** A backend, a tracking source on it, and an L1 fed by the source. */
async function setup(mode: TrackingMode, on: RedisServer = server) {
  const namespace = `track-${process.pid}-${++counter}`;
  const backend = new RedisBackend({ url: on.url, namespace });
  const source = new RedisTrackingInvalidation({ backend, mode });
  const l1 = new TrackedL1(backend);
  cleanup.push(async () => {
    await source.close();
    await backend.close();
  });
  await l1.attach(source);
  return { namespace, backend, source, l1, dataKey: (key: string) => `cs:${namespace}:d:${key}` };
}

/** The ids of the tracking connections on `port`. */
async function trackingIds(port: number): Promise<string[]> {
  const list = String(await command(port, ['CLIENT', 'LIST']));
  return list
    .split('\n')
    .filter((line) => line.includes(`name=${TRACKING_CONNECTION_NAME}`))
    .map((line) => /id=(\d+)/.exec(line)?.[1] as string);
}

describe.each<TrackingMode>(['prefix', 'reads'])(
  'RedisTrackingInvalidation (standalone, mode %s)',
  (mode) => {
    it('drops an L1 copy when a plain ioredis client writes the key', async () => {
      const { backend, source, l1, dataKey } = await setup(mode);
      expect(source.tracking).toBe(true);
      await backend.set('a', Buffer.from('v1'));
      expect(await cached(l1, 'a')).toBe('v1');
      await plain.set(dataKey('a'), 'v2');
      await until(() => !l1.copies.has('a'), 2000, 'the invalidation of a');
      expect(await l1.get('a')).toBe('v2');
      expect(l1.messages.at(-1)).toMatchObject({ kind: 'keys', keys: ['a'] });
    });

    it('hands an invalidation to the handlers inside the tracking socket read (no event-loop turn, timer or await)', async () => {
      const { backend, source, dataKey } = await setup(mode);
      await backend.set('sync', Buffer.from('v1'));
      await backend.get('sync'); // in 'reads' mode Redis tracks only what was read
      const stacks: string[] = [];
      const unsubscribe = await source.subscribe({
        onMessage: (message) => {
          if (!message.keys?.includes('sync')) return;
          const limit = Error.stackTraceLimit;
          Error.stackTraceLimit = Number.POSITIVE_INFINITY;
          stacks.push(String(new Error('delivery').stack));
          Error.stackTraceLimit = limit;
        },
        onReconnect: () => undefined,
      });
      try {
        await plain.set(dataKey('sync'), 'v2');
        await until(() => stacks.length > 0, 2000, 'the invalidation of sync');
        // Called synchronously inside the tracking socket's 'data' event: a setImmediate,
        // a timer, a nextTick or an await between the bytes and the handler would leave
        // no socket frame under it.
        expect(stacks[0]).toMatch(/at Socket\.emit \(node:events/);
      } finally {
        await unsubscribe();
      }
    });

    it('publishes nothing and ignores other namespaces', async () => {
      const { backend, source, l1 } = await setup(mode);
      await source.publish({
        origin: 'x',
        namespace: backend.namespace,
        kind: 'keys',
        keys: ['a'],
      });
      await backend.set('k', Buffer.from('1'));
      expect(await cached(l1, 'k')).toBe('1');
      const before = l1.messages.length;
      await plain.set(`cs:${backend.namespace}2:d:k`, 'other namespace');
      await plain.set(`cs:${backend.namespace}:l:k`, 'a lock key');
      await plain.set(`cs:${backend.namespace}:d:k`, '2');
      await until(() => !l1.copies.has('k'), 2000, 'the invalidation of k');
      expect(l1.messages.slice(before)).toEqual([
        expect.objectContaining({ kind: 'keys', keys: ['k'], namespace: backend.namespace }),
      ]);
    });

    it('reaches L1 when a key expires in Redis (PX)', async () => {
      const { backend, l1 } = await setup(mode);
      await backend.set('short', Buffer.from('x'), 100);
      expect(await cached(l1, 'short')).toBe('x');
      const before = l1.messages.length;
      await until(
        () => l1.messages.slice(before).some((message) => message.keys?.includes('short')),
        3000,
        'the expiry of short',
      );
      expect(l1.copies.has('short')).toBe(false);
      expect(await l1.get('short')).toBeUndefined();
    });

    it('reaches L1 on FLUSHDB (a null invalidation: clear)', async () => {
      const { backend, l1 } = await setup(mode);
      await backend.set('f1', Buffer.from('1'));
      await backend.set('f2', Buffer.from('2'));
      await cached(l1, 'f1');
      await cached(l1, 'f2');
      await plain.flushdb();
      await until(() => l1.copies.size === 0, 2000, 'the FLUSHDB invalidation');
      expect(l1.messages.at(-1)).toMatchObject({ kind: 'clear' });
    });

    it("reaches L1 on the backend's own clear()", async () => {
      const { backend, l1 } = await setup(mode);
      await backend.setMany([
        { key: 'c1', value: Buffer.from('1') },
        { key: 'c2', value: Buffer.from('2') },
      ]);
      await cached(l1, 'c1');
      await cached(l1, 'c2');
      await backend.clear();
      await until(() => l1.copies.size === 0, 2000, 'the clear invalidations');
      expect(await l1.get('c1')).toBeUndefined();
    });

    it('flushes when the tracking connection is killed, then tracks again (and flushes again)', async () => {
      const { backend, source, l1, dataKey } = await setup(mode);
      const { messages: events } = recordEvents<InvalidationEvent>(
        EVENT_CHANNEL_NAMES.invalidation,
        { stopWith: onTestFinished },
      );
      await backend.set('r', Buffer.from('1'));
      await cached(l1, 'r');
      const flushes = l1.flushes;
      const [id] = await trackingIds(server.port);
      await command(server.port, ['CLIENT', 'KILL', 'ID', id as string]);
      await until(() => l1.flushes >= flushes + 2 && source.tracking, 3000, 'tracking back');
      expect(l1.copies.size).toBe(0);
      expect(events.filter((event) => event.kind === 'flush').map((event) => event.reason)).toEqual(
        ['tracking connection closed', 'tracking on'],
      );
      // Tracking works on the new connection.
      await cached(l1, 'r');
      await plain.set(dataKey('r'), '2');
      await until(() => !l1.copies.has('r'), 2000, 'the invalidation after reconnect');
      expect(await l1.get('r')).toBe('2');
      expect(events.some((event) => event.kind === 'received' && event.keyCount === 1)).toBe(true);
    });

    it('leaves no stale copy after a reconnect (copies cached while tracking was off are dropped)', async () => {
      const { backend, source, l1, dataKey } = await setup(mode);
      for (let round = 0; round < 20; round++) {
        await backend.set('hot', Buffer.from(`before-${round}`));
        const [id] = await trackingIds(server.port);
        await command(server.port, ['CLIENT', 'KILL', 'ID', id as string]);
        await until(() => !source.tracking, 2000, 'the tracking connection to close');
        // While tracking is off: read (caching copies) and write behind L1's back.
        let write = 0;
        while (!source.tracking) {
          await l1.get('hot');
          await plain.set(dataKey('hot'), `during-${round}-${++write}`);
          await l1.get('hot');
        }
        // Tracking is back: L1 must agree with Redis without any further write.
        const truth = await plain.get(dataKey('hot'));
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(await l1.get('hot')).toBe(truth);
      }
    }, 30_000);

    it('reaches L1 when Redis evicts the key (maxmemory, allkeys-lru)', async () => {
      const tiny = await RedisServer.start({
        args: ['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru'],
      });
      cleanup.push(() => tiny.destroy());
      const { backend, l1 } = await setup(mode, tiny);
      await backend.set('victim', Buffer.from('v'));
      expect(await cached(l1, 'victim')).toBe('v');
      const filler = new Redis(tiny.port, '127.0.0.1');
      cleanup.push(async () => filler.disconnect());
      const big = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 200 && (await filler.exists(`cs:${backend.namespace}:d:victim`)); i++) {
        await filler.set(`filler:${i}`, big);
      }
      expect(await filler.exists(`cs:${backend.namespace}:d:victim`)).toBe(0);
      await until(() => !l1.copies.has('victim'), 2000, 'the eviction invalidation');
      expect(await l1.get('victim')).toBeUndefined();
    });
  },
);

describe("RedisTrackingInvalidation mode 'reads'", () => {
  it("flushes when the backend's own connection drops and tracks its reads again after", async () => {
    const { backend, source, l1, dataKey } = await setup('reads');
    await backend.set('d', Buffer.from('1'));
    expect(await cached(l1, 'd')).toBe('1');
    const flushes = l1.flushes;
    const id = String(await (backend.client as Redis).client('ID'));
    await command(server.port, ['CLIENT', 'KILL', 'ID', id]);
    await until(() => l1.flushes >= flushes + 1, 2000, 'the flush');
    expect(l1.copies.size).toBe(0);
    // The backend reconnects on its next command; tracking is turned on again.
    await until(async () => (await backend.exists('d').catch(() => false)) && source.tracking);
    await until(() => l1.flushes >= flushes + 2, 2000, 'the flush once tracking is back');
    expect(await cached(l1, 'd')).toBe('1');
    await plain.set(dataKey('d'), '2');
    await until(() => !l1.copies.has('d'), 2000, 'the invalidation after reconnect');
    expect(await l1.get('d')).toBe('2');
  });

  it('turns tracking off on the backend connection at close, and rejects Cluster backends', async () => {
    const { backend, source } = await setup('reads');
    const flags = async () => {
      const info = String(await (backend.client as Redis).client('INFO'));
      return /flags=(\S+)/.exec(info)?.[1] ?? '';
    };
    expect(await flags()).toContain('t');
    await source.close();
    expect(await flags()).not.toContain('t');
    expect(
      () =>
        new RedisTrackingInvalidation({
          backend: { topology: 'cluster', namespace: 'x' } as unknown as RedisBackend,
          mode: 'reads',
        }),
    ).toThrow(/mode` 'reads' is not supported on a Cluster/);
  });
});
