import type { BaseBackend } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { describe, expect, test } from 'vitest';
import { LoadSheddingBackend, OVERLOADED, RetryBackend } from '../src/index.js';
import { errorOf, startRedisFixture } from './support/redis-fixture.js';

const { server, proxy, open, redis } = await startRedisFixture({
  namespace: 'retry',
  commandTimeoutMs: 2_000,
});

function retry(
  inner: BaseBackend = redis(),
  options: ConstructorParameters<typeof RetryBackend>[1] = {},
) {
  const backend = new RetryBackend(inner, options);
  open.push(backend);
  return backend;
}

describe('RetryBackend', () => {
  test('a read that fails TRANSIENT while Redis is down is retried and succeeds once it is back', async () => {
    const backend = retry(redis(), {
      maxAttempts: 30,
      baseDelayMs: 50,
      maxDelayMs: 200,
      budgetMax: 30,
    });
    await backend.set('k', Buffer.from('v'));
    await server.stop('SIGKILL');
    const restarted = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
      server.restart(),
    );
    const error = await errorOf(backend.exists('k'));
    await restarted;
    expect(error).toBeUndefined();
    expect(backend.retries).toBeGreaterThan(0);
  });

  test('writes, deletes and locks are never retried', async () => {
    const backend = retry();
    await backend.set('k', Buffer.from('v'));
    await server.stop('SIGKILL');
    for (const call of [
      () => backend.set('k', Buffer.from('w')),
      () => backend.delete('k'),
      () => backend.setMany?.([{ key: 'k', value: Buffer.from('w') }]) as Promise<unknown>,
      () => backend.refreshTtl?.('k', 1_000) as Promise<unknown>,
      () => backend.acquireLock?.('k', { ttlMs: 1_000 }) as Promise<unknown>,
    ]) {
      expect(await errorOf(call())).toMatchObject({ type: 'TRANSIENT' });
    }
    expect(backend.retries).toBe(0);
  });

  test('the budget bounds retries during an outage: at most budgetMax + budgetRatio × calls', async () => {
    const backend = retry(redis(), {
      maxAttempts: 5,
      baseDelayMs: 1,
      budgetMax: 2,
      budgetRatio: 0.1,
    });
    await backend.set('k', Buffer.from('v'));
    await server.stop('SIGKILL');
    for (let i = 0; i < 20; i += 1) {
      expect(await errorOf(backend.get('k'))).toMatchObject({ type: 'TRANSIENT' });
    }
    expect(backend.retries).toBeGreaterThanOrEqual(2);
    expect(backend.retries).toBeLessThanOrEqual(4);
    expect(backend.budget).toBeLessThan(1);
  });

  test('a keys() listing is retried before its first key', async () => {
    const backend = retry(redis(), { maxAttempts: 3, baseDelayMs: 1 });
    await backend.set('k', Buffer.from('v'));
    await server.stop('SIGKILL');
    const listing = async () => {
      for await (const key of backend.keys?.() ?? []) void key;
    };
    expect(await errorOf(listing())).toMatchObject({ type: 'TRANSIENT', operation: 'keys' });
    expect(backend.retries).toBe(2);
  });

  test('OVERLOADED refusals and TIMEOUTs are not retried', async () => {
    const shedding = new LoadSheddingBackend(redis(proxy.url), { maxInFlight: 1 });
    const backend = retry(shedding);
    await backend.set('k', Buffer.from('v'));
    proxy.delayMs = 100;
    const [, refused] = await Promise.all([backend.get('k'), errorOf(backend.get('k'))]);
    expect(refused).toMatchObject({ type: 'TRANSIENT', code: OVERLOADED });
    const timedOut = await errorOf(
      backend.withTimeout?.('get', 50, () => backend.get('k')) as Promise<unknown>,
    );
    expect(timedOut).toMatchObject({ type: 'TIMEOUT' });
    expect(backend.retries).toBe(0);
  });

  test('bad options throw a TypeError naming the option', () => {
    const inner = new MemoryBackend();
    open.push(inner);
    const bad: [unknown, RegExp][] = [
      [{ maxAttempts: 0 }, /option "maxAttempts"/],
      [{ baseDelayMs: -1 }, /option "baseDelayMs"/],
      [{ baseDelayMs: 100, maxDelayMs: 50 }, /option "maxDelayMs"/],
      [{ budgetRatio: 0 }, /option "budgetRatio"/],
      [{ budgetMax: 0.5 }, /option "budgetMax"/],
    ];
    for (const [options, message] of bad) {
      expect(() => new RetryBackend(inner, options as never)).toThrow(TypeError);
      expect(() => new RetryBackend(inner, options as never)).toThrow(message);
    }
  });
});
