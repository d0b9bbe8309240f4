import { LatencyProxy, RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';

let server: RedisServer;
let proxy: LatencyProxy;

beforeAll(async () => {
  server = await RedisServer.start();
  proxy = await LatencyProxy.start(server.port);
});
afterAll(async () => {
  await proxy?.close();
  await server?.destroy();
});

it('ends a lock wait within waitMs when every round trip outlasts the lock TTL', async () => {
  const backend = new RedisBackend({ url: proxy.url, namespace: `slow-lock-${process.pid}` });
  try {
    await backend.exists('warm-up');
    proxy.delayMs = 60; // each round trip ≥ 10 ms, the lock lives 1 ms
    const started = performance.now();
    const lock = await backend.acquireLock('k', { ttlMs: 1, waitMs: 1000 });
    const elapsed = performance.now() - started;
    expect(lock).toBeUndefined();
    // One attempt may start just before the deadline: allow its round trips.
    expect(elapsed).toBeLessThan(1000 + 300);
    expect(elapsed).toBeGreaterThanOrEqual(990);
  } finally {
    proxy.delayMs = 0;
    await backend.close();
  }
}, 10_000);
