import { BackendError } from '@cachestack/core';
import { command, LatencyProxy, RedisServer } from '@cachestack/test-support';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';

let server: RedisServer;
let secured: RedisServer;
const backends: RedisBackend[] = [];
let counter = 0;

function backend(options: Partial<ConstructorParameters<typeof RedisBackend>[0]> = {}) {
  const created = new RedisBackend({
    url: server.url,
    namespace: `faults-${process.pid}-${++counter}`,
    ...options,
  });
  backends.push(created);
  return created;
}

async function failure(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error('expected the operation to fail');
}

beforeAll(async () => {
  [server, secured] = await Promise.all([
    RedisServer.start(),
    RedisServer.start({ password: 'right-password' }),
  ]);
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((created) => created.close()));
});
afterAll(async () => {
  await Promise.all([server?.destroy(), secured?.destroy()]);
});

describe('RedisBackend faults', () => {
  it('fails fast with TRANSIENT while the server is down and the same instance recovers', async () => {
    const cache = backend({ commandTimeoutMs: 20_000 });
    await cache.set('k', Buffer.from('v'));
    await server.stop('SIGKILL');
    try {
      for (const operation of [
        () => cache.get('k'),
        () => cache.set('k', Buffer.from('w')),
        () => cache.exists('k'),
        () => cache.getMany(['k', 'l']),
      ]) {
        const started = performance.now();
        const error = await failure(operation());
        expect(error.type).toBe('TRANSIENT');
        // far below commandTimeoutMs: the call failed fast instead of waiting
        expect(performance.now() - started).toBeLessThan(5_000);
      }
      const health = await cache.healthCheck();
      expect(health.healthy).toBe(false);
      expect(health.error).toMatch(/TRANSIENT/);
    } finally {
      await server.restart();
    }
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await cache.set('k', Buffer.from('back'));
        break;
      } catch (error) {
        expect((error as BackendError).type).toBe('TRANSIENT');
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(Buffer.from((await cache.get('k'))!).toString()).toBe('back');
    expect((await cache.healthCheck()).healthy).toBe(true);
  });

  it('maps a wrong password to AUTHENTICATION, on every call', async () => {
    const cache = new RedisBackend({
      url: `redis://:wrong-password@127.0.0.1:${secured.port}`,
      namespace: 'auth',
    });
    backends.push(cache);
    expect((await failure(cache.get('k'))).type).toBe('AUTHENTICATION');
    expect((await failure(cache.set('k', Buffer.from('v')))).type).toBe('AUTHENTICATION');
    const health = await cache.healthCheck();
    expect(health.healthy).toBe(false);
    const noPassword = backend({ url: `redis://127.0.0.1:${secured.port}` });
    expect((await failure(noPassword.exists('k'))).type).toBe('AUTHENTICATION');
    const right = backend({ url: secured.url });
    await right.set('k', Buffer.from('v'));
    expect(await right.exists('k')).toBe(true);
  });

  for (const coalesceGets of [true, false]) {
    it(`times out during DEBUG SLEEP and the next call gets its own reply (coalesceGets ${coalesceGets})`, async () => {
      const cache = backend({ coalesceGets });
      await cache.setMany([
        { key: 'a', value: Buffer.from('A') },
        { key: 'b', value: Buffer.from('B') },
      ]);
      const sleeper = command(server.port, ['DEBUG', 'SLEEP', '1']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      const error = await failure(cache.withTimeout('get', 150, () => cache.get('a')));
      expect(error.type).toBe('TIMEOUT');
      expect(error.operation).toBe('get');
      expect(error.key).toBe('a');
      // well before the server wakes up (1 s): the limit, not the reply, ended the call
      expect(performance.now() - started).toBeLessThan(900);
      const setError = await failure(
        cache.withTimeout('*', 100, () => cache.set('a', Buffer.from('A2'))),
      );
      expect(setError.type).toBe('TIMEOUT');
      // issued while the late replies are still pending: must get its own reply
      const [b, exists] = await Promise.all([cache.get('b'), cache.exists('missing')]);
      await sleeper;
      expect(Buffer.from(b!).toString()).toBe('B');
      expect(exists).toBe(false);
      expect(Buffer.from((await cache.get('a'))!).toString()).toMatch(/^A2?$/);
    });
  }

  it('coalesced gets with different limits time out one by one; the unlimited one gets its value', async () => {
    const cache = backend();
    await cache.setMany([
      { key: 'a', value: Buffer.from('A') },
      { key: 'b', value: Buffer.from('B') },
      { key: 'c', value: Buffer.from('C') },
    ]);
    const sleeper = command(server.port, ['DEBUG', 'SLEEP', '1.5']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    // One tick, one MGET, three callers: limits of 100 ms, 250 ms and none.
    const short = cache.withTimeout('get', 100, () => cache.get('a'));
    const long = cache.withTimeout('get', 250, () => cache.get('b'));
    const unlimited = cache.get('c');
    const shortError = await failure(short);
    const shortAt = performance.now() - started;
    const longError = await failure(long);
    const longAt = performance.now() - started;
    expect([shortError.type, shortError.key]).toEqual(['TIMEOUT', 'a']);
    expect([longError.type, longError.key]).toEqual(['TIMEOUT', 'b']);
    expect(shortAt).toBeGreaterThanOrEqual(95);
    expect(longAt).toBeGreaterThanOrEqual(245);
    expect(longAt).toBeLessThan(1200); // the re-armed timer, not the reply (after the 1.5 s sleep)
    expect(Buffer.from((await unlimited)!).toString()).toBe('C');
    expect(performance.now() - started).toBeGreaterThan(1200);
    await sleeper;
  });

  it('a later round trip with a shorter limit times out on time (the shared timer re-arms earlier)', async () => {
    const cache = backend();
    await cache.setMany([
      { key: 'a', value: Buffer.from('A') },
      { key: 'b', value: Buffer.from('B') },
    ]);
    const sleeper = command(server.port, ['DEBUG', 'SLEEP', '1.2']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    // Two separate round trips: the first arms the coalescer's timer for 800 ms.
    const long = failure(cache.withTimeout('get', 800, () => cache.get('a')));
    await new Promise((resolve) => setImmediate(resolve));
    const shortStarted = performance.now();
    const shortError = await failure(cache.withTimeout('get', 100, () => cache.get('b')));
    expect([shortError.type, shortError.key]).toEqual(['TIMEOUT', 'b']);
    expect(performance.now() - shortStarted).toBeLessThan(600);
    const longError = await long;
    expect([longError.type, longError.key]).toEqual(['TIMEOUT', 'a']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(795);
    await sleeper;
  });

  it('maps WRONGTYPE to PERMANENT and keeps working', async () => {
    const cache = backend();
    await command(server.port, ['LPUSH', `cs:${cache.namespace}:d:list`, 'x']);
    const error = await failure(cache.get('list'));
    expect(error.type).toBe('PERMANENT');
    expect(error.code).toBe('WRONG_TYPE');
    expect(error.cause).toBeInstanceOf(Error);
    expect(
      (await failure(cache.getTtl('list').then(() => cache.refreshTtl('list', -1)))).code,
    ).toBe('INVALID_TTL');
    await cache.set('list', Buffer.from('now a string'));
    expect(Buffer.from((await cache.get('list'))!).toString()).toBe('now a string');
  });

  it('classifies a refused connection as TRANSIENT on first use', async () => {
    const { freePort } = await import('@cachestack/test-support');
    const cache = backend({ url: `redis://127.0.0.1:${await freePort()}` });
    const error = await failure(cache.get('k'));
    expect(error.type).toBe('TRANSIENT');
    expect((await failure(cache.get('k'))).type).toBe('TRANSIENT');
  });

  it('does not close a client it was given, and rejects with CLOSED after close', async () => {
    const client = new Redis(server.url);
    try {
      const cache = new RedisBackend({ client, namespace: 'given' });
      await cache.set('k', Buffer.from('v'));
      await cache.close();
      await cache.close();
      expect(client.status).toBe('ready');
      expect(await client.get('cs:given:d:k')).toBe('v');
      const error = await failure(cache.get('k'));
      expect(error.type).toBe('PERMANENT');
      expect(error.code).toBe('CLOSED');
    } finally {
      client.disconnect();
    }
  });

  it('times out under network latency (proxy) and keeps replies in order', async () => {
    const proxy = await LatencyProxy.start(server.port);
    try {
      const cache = backend({ url: proxy.url });
      await cache.set('x', Buffer.from('X'));
      await cache.set('y', Buffer.from('Y'));
      proxy.delayMs = 600;
      const error = await failure(cache.withTimeout('get', 100, () => cache.get('x')));
      expect(error.type).toBe('TIMEOUT');
      expect(error.isTimeout).toBe(true);
      // one coalesced MGET: the caller with a short limit times out, the other one is served
      const [limited, unlimited] = await Promise.allSettled([
        cache.withTimeout('get', 100, () => cache.get('x')),
        cache.get('y'),
      ]);
      expect(limited.status).toBe('rejected');
      expect(((limited as PromiseRejectedResult).reason as BackendError).type).toBe('TIMEOUT');
      expect(unlimited.status).toBe('fulfilled');
      expect(Buffer.from((unlimited as PromiseFulfilledResult<Uint8Array>).value).toString()).toBe(
        'Y',
      );
      proxy.delayMs = 0;
      expect(Buffer.from((await cache.get('y'))!).toString()).toBe('Y');
      // outside the scope the default limit applies again
      expect(Buffer.from((await cache.get('x'))!).toString()).toBe('X');
    } finally {
      await proxy.close();
    }
  });
});
