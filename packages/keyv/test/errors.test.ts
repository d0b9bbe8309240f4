import { BackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { baseOnly, RedisServer } from '@cachestack/test-support';
import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvCachestack } from '../src/index.js';

describe('errors reach Keyv classified', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(() => server.destroy());

  it('Redis down: a classified transient error, as an event (set) or a throw (throwOnErrors)', async () => {
    const backend = new RedisBackend({
      url: server.url,
      namespace: 'keyv-errors',
      commandTimeoutMs: 500,
    });
    const quiet = new Keyv({ store: new KeyvCachestack({ backend, closeOnDisconnect: false }) });
    const loud = new Keyv({
      store: new KeyvCachestack({ backend, closeOnDisconnect: false }),
      throwOnErrors: true,
    });
    expect(await quiet.set('k', 'v')).toBe(true);
    const events: unknown[] = [];
    quiet.on('error', (error) => events.push(error));
    await server.stop('SIGKILL');
    try {
      expect(await quiet.set('k', 'v2')).toBe(false);
      expect(events).toHaveLength(1);
      expect(events[0]).toBeInstanceOf(BackendError);
      expect((events[0] as BackendError).isTransient || (events[0] as BackendError).isTimeout).toBe(
        true,
      );
      const error = await loud.get('k').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).type).toMatch(/^(TRANSIENT|TIMEOUT)$/);
    } finally {
      await server.restart();
    }
    // Back up (an empty server: no persistence): the same store works again
    // once the client has reconnected.
    const deadline = Date.now() + 10_000;
    while (!(await backend.healthCheck()).healthy && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await loud.set('k', 'v3')).toBe(true);
    expect(await loud.get('k')).toBe('v3');
    await backend.close();
  });

  it("a third-party backend's raw system error is classified, never passed through raw", async () => {
    const backend = baseOnly(new MemoryBackend());
    backend.get = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    };
    const keyv = new Keyv({ store: new KeyvCachestack({ backend }), throwOnErrors: true });
    const error = await keyv.get('k').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ type: 'TRANSIENT', operation: 'get', key: 'keyv:k' });
  });
});
