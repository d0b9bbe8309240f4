import { createCache } from '@cachestack/cache';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { cachePreset, EncryptionKey, presetBackend } from '../src/index.js';

const server = await RedisServer.start();
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});
afterAll(() => server.destroy());

describe('presets', () => {
  test("'speed' is the backend itself, with errors rejecting", () => {
    const backend = new MemoryBackend();
    open.push(backend);
    expect(presetBackend('speed', backend)).toBe(backend);
    expect(cachePreset('speed', backend)).toEqual({ backend, failOpen: false });
  });

  test("'production' composes load shedding, breaker and adaptive timeouts, and the cache fails open when Redis is down", async () => {
    const redis = new RedisBackend({
      url: server.url,
      namespace: 'preset-production',
      commandTimeoutMs: 500,
    });
    const options = cachePreset('production', redis, { circuitBreaker: { failureThreshold: 2 } });
    open.push(options.backend);
    expect(options.backend.backendType).toBe(
      'load-shedding(circuit-breaker(adaptive-timeout(redis)))',
    );
    expect(options.failOpen).toBe(true);
    const cache = createCache({ ...options, namespace: 'app' });
    await cache.set('user:1', { name: 'Ada' });
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' });
    await server.stop('SIGKILL');
    try {
      const errors: unknown[] = [];
      cache.on('error', (event) => errors.push(event));
      for (let i = 0; i < 4; i += 1) expect(await cache.get('user:1')).toBeUndefined();
      expect(errors.length).toBe(4);
      const health = await options.backend.healthCheck();
      expect(health.healthy).toBe(false);
      expect(health.details).toMatchObject({ circuit: 'open' });
    } finally {
      await server.restart();
    }
  });

  test("'secure' encrypts what reaches Redis and reads it back through the cache", async () => {
    const redis = new RedisBackend({ url: server.url, namespace: 'preset-secure' });
    const raw = new RedisBackend({ url: server.url, namespace: 'preset-secure' });
    open.push(raw);
    const options = cachePreset('secure', redis, {
      encryption: { keys: [EncryptionKey.generate(1)], context: 'app' },
    });
    open.push(options.backend);
    expect(options.backend.backendType).toBe(
      'encrypted(load-shedding(circuit-breaker(adaptive-timeout(redis))))',
    );
    const cache = createCache({ ...options, namespace: 'app' });
    await cache.set('card', { number: '4111 1111 1111 1111' });
    expect(await cache.get('card')).toEqual({ number: '4111 1111 1111 1111' });
    const stored = Buffer.from((await raw.get('app:card')) as Uint8Array);
    expect(stored.includes(Buffer.from('4111'))).toBe(false);
  });

  test('bad presets and a secure preset without keys throw a TypeError', () => {
    const backend = new MemoryBackend();
    open.push(backend);
    expect(() => presetBackend('fast' as never, backend)).toThrow(
      /preset must be one of speed, production, secure/,
    );
    expect(() => presetBackend('secure', backend)).toThrow(/needs option "encryption"/);
    expect(() =>
      presetBackend('production', backend, { loadShedding: { maxInFlight: 0 } }),
    ).toThrow(/option "maxInFlight"/);
    expect(() => presetBackend('production', {} as never)).toThrow(TypeError);
  });
});
