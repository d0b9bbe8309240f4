import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { CircuitBreakerBackend, EncryptionBackend, EncryptionKey } from '../src/index.js';
import { errorOf } from './support/redis-fixture.js';

const server = await RedisServer.start();
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});
afterAll(() => server.destroy());

describe('CircuitBreakerBackend', () => {
  test('opens after consecutive failures, refuses at once without touching Redis, and closes after a good trial', async () => {
    const transitions: string[] = [];
    const backend = new CircuitBreakerBackend(
      new RedisBackend({ url: server.url, namespace: 'breaker', commandTimeoutMs: 1_000 }),
      {
        failureThreshold: 3,
        resetTimeoutMs: 300,
        onStateChange: (from, to) => transitions.push(`${from}>${to}`),
      },
    );
    open.push(backend);
    await backend.set('k', Buffer.from('v'));
    await server.stop('SIGKILL');
    for (let i = 0; i < 3; i += 1) {
      expect(await errorOf(backend.get('k'))).toMatchObject({
        type: 'TRANSIENT',
        code: 'UNAVAILABLE',
      });
    }
    expect(backend.state).toBe('open');
    const started = performance.now();
    for (let i = 0; i < 100; i += 1) {
      expect(await errorOf(backend.get('k'))).toMatchObject({
        type: 'TRANSIENT',
        code: 'CIRCUIT_OPEN',
        operation: 'get',
        key: 'k',
      });
    }
    expect(performance.now() - started).toBeLessThan(100);
    expect((await backend.healthCheck()).details).toMatchObject({ circuit: 'open' });
    await server.restart();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(backend.state).toBe('half-open');
    await backend.set('k', Buffer.from('back'));
    expect(backend.state).toBe('closed');
    expect(transitions).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
  });

  test('PERMANENT errors (corrupt entries, bad input) never open the circuit', async () => {
    const inner = new MemoryBackend();
    const backend = new CircuitBreakerBackend(
      new EncryptionBackend(inner, { keys: [EncryptionKey.generate(1)], closeInner: false }),
      { failureThreshold: 2 },
    );
    open.push(backend, inner);
    await inner.set('k', Buffer.from('not encrypted'));
    for (let i = 0; i < 5; i += 1) {
      expect(await errorOf(backend.get('k'))).toMatchObject({
        type: 'PERMANENT',
        code: 'CORRUPT',
      });
      expect(await errorOf(backend.get(''))).toMatchObject({
        type: 'PERMANENT',
        code: 'INVALID_KEY',
      });
    }
    expect(backend.state).toBe('closed');
  });

  test('bad options throw a TypeError naming the option', () => {
    const inner = new MemoryBackend();
    open.push(inner);
    expect(() => new CircuitBreakerBackend(inner, { failureThreshold: 0 })).toThrow(
      /failureThreshold/,
    );
    expect(() => new CircuitBreakerBackend(inner, { resetTimeoutMs: -1 })).toThrow(
      /resetTimeoutMs/,
    );
    expect(() => new CircuitBreakerBackend(inner, { onStateChange: 5 as never })).toThrow(
      /option "onStateChange"/,
    );
  });
});
