import { randomUUID } from 'node:crypto';
import { EVENT_CHANNEL_NAMES, type InvalidationEvent } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { memoryLogger, RedisServer, recordEvents } from '@cachestack/test-support';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisInvalidationBus, TieredBackend } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

const server = await RedisServer.start();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  await server.restart(); // a no-op unless a test stopped it
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => server.destroy());

function client(): Redis {
  const redis = new Redis(server.url);
  redis.on('error', () => {}); // a test restarts the server on purpose
  cleanups.push(() => redis.quit().catch(() => redis.disconnect()));
  return redis;
}

function instance(namespace: string, origin: string) {
  const logger = memoryLogger();
  const bus = new RedisInvalidationBus({ client: client(), logger });
  const l1 = new MemoryBackend();
  const cache = new TieredBackend({
    tiers: [{ backend: l1, maxTtlMs: 60_000 }, new RedisBackend({ url: server.url, namespace })],
    invalidation: { bus, namespace, origin },
    logger,
  });
  cleanups.push(() => bus.close());
  cleanups.push(() => cache.close());
  return { bus, l1, cache, logger };
}

function invalidationEvents() {
  const recorder = recordEvents<InvalidationEvent>(EVENT_CHANNEL_NAMES.invalidation);
  cleanups.push(recorder.stop);
  return recorder.messages;
}

describe('RedisInvalidationBus observability (real redis-server)', () => {
  it('rejects an unknown option with the closest known name', () => {
    const redis = client();
    expect(() => new RedisInvalidationBus({ client: redis, chanel: 'x' } as never)).toThrow(
      /^RedisInvalidationBus: unknown option "chanel" \(did you mean "channel"\?\)$/,
    );
    expect(() => new RedisInvalidationBus({ client: redis, logger: {} as never })).toThrow(
      /logger\.debug must be a function/,
    );
  });

  it('publishes published and received (with lag from sentAt) for a write', async () => {
    const namespace = randomUUID();
    const a = instance(namespace, 'a');
    const b = instance(namespace, 'b');
    await Promise.all([a.cache.ready(), b.cache.ready()]);
    const events = invalidationEvents();

    await a.cache.set('k', bytes('v'));
    // Both buses receive the message (a's own is ignored by a's cache, not by its bus).
    await waitFor(() => events.filter((event) => event.kind === 'received').length === 2);
    expect(events[0]).toEqual({
      source: 'redis-bus',
      kind: 'published',
      namespace,
      keyCount: 1,
    });
    for (const received of events.filter((event) => event.kind === 'received')) {
      expect(received).toMatchObject({ source: 'redis-bus', namespace, keyCount: 1 });
      expect(received.lagMs).toBeGreaterThanOrEqual(0);
      expect(received.lagMs).toBeLessThan(5_000);
    }
  });

  it('applies a message from an older sender (no sentAt) and one with unknown fields', async () => {
    const namespace = randomUUID();
    const b = instance(namespace, 'b');
    await b.cache.ready();
    const events = invalidationEvents();
    const sender = client();
    for (const extra of [{}, { futureField: 1 }]) {
      await b.cache.set('k', bytes('v'));
      expect(text(await b.l1.get('k'))).toBe('v');
      const message = { origin: 'old', namespace, kind: 'keys', keys: ['k'], ...extra };
      await sender.publish('cachestack:invalidate', JSON.stringify(message));
      await waitFor(async () => (await b.l1.get('k')) === undefined);
    }
    const received = events.filter(
      (event) => event.kind === 'received' && event.keyCount === 1 && event.lagMs === undefined,
    );
    expect(received.length).toBeGreaterThanOrEqual(2);
  });

  it('logs a malformed message and keeps delivering', async () => {
    const namespace = randomUUID();
    const b = instance(namespace, 'b');
    await b.cache.ready();
    await client().publish('cachestack:invalidate', '{not json');
    await waitFor(() => b.logger.lines.some((line) => line.message.includes('malformed')));
    expect(b.logger.lines.find((line) => line.message.includes('malformed'))?.level).toBe('warn');
  });

  it('after the server restarts: a flush event, a warn for the connection error, info for the reconnect and the dropped L1', {
    timeout: 20_000,
  }, async () => {
    const namespace = randomUUID();
    const b = instance(namespace, 'b');
    await b.cache.ready();
    await b.cache.set('k', bytes('v'));
    const events = invalidationEvents();
    await server.stop('SIGKILL');
    // While the server is away, the subscriber's reconnect attempts fail: logged as warn.
    await waitFor(() => b.logger.lines.some((line) => line.message.includes('connection error')));
    await server.restart();
    await waitFor(() => events.some((event) => event.kind === 'flush'), 15_000);
    expect(events.find((event) => event.kind === 'flush')).toEqual({
      source: 'redis-bus',
      kind: 'flush',
      namespace: undefined,
      reason: 'reconnect',
    });
    await waitFor(async () => (await b.l1.get('k')) === undefined);
    const lines = b.logger.lines;
    const connectionError = lines.find((line) => line.message.includes('connection error'));
    expect(connectionError?.level).toBe('warn');
    expect(connectionError?.fields.errorType).toBe('TRANSIENT');
    expect(lines.find((line) => line.message.includes('bus reconnected'))?.level).toBe('info');
    const dropped = lines.find((line) => line.fields.reason === 'reconnect');
    expect(dropped).toMatchObject({ level: 'info', fields: { tiers: ['L1'] } });
    expect(JSON.stringify(lines)).not.toContain(server.url.replace('redis://', ''));
  });
});
