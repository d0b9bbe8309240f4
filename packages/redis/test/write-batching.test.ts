import { RedisServer } from '@cachestack/test-support';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';

let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.destroy();
});

async function readyBackend(): Promise<{ backend: RedisBackend; client: Redis }> {
  const backend = new RedisBackend({ url: server.url, namespace: `wb-${process.pid}` });
  await backend.set('warm-up', Buffer.from('x'));
  return { backend, client: backend.client as Redis };
}

describe('same-tick writes on a single server', () => {
  it('holds the commands issued in one tick and sends them together, all answered', async () => {
    const { backend, client } = await readyBackend();
    try {
      const writes = Array.from({ length: 100 }, (_, i) =>
        backend.set(`k${i}`, Buffer.from(`v${i}`)),
      );
      // Still in the same tick: the socket is corked, the 100 SETs wait in its buffer.
      expect(client.stream.writableCorked).toBe(1);
      expect(client.stream.writableLength).toBeGreaterThan(0);
      await Promise.all(writes);
      expect(client.stream.writableCorked).toBe(0);
      const values = await Promise.all(Array.from({ length: 100 }, (_, i) => backend.get(`k${i}`)));
      expect(values.map((value) => value?.toString())).toEqual(
        Array.from({ length: 100 }, (_, i) => `v${i}`),
      );
    } finally {
      await backend.close();
    }
  });

  it('sends a lone command before the event loop turns (no setImmediate hop per call)', async () => {
    const { backend, client } = await readyBackend();
    try {
      for (const call of [() => backend.set('lone', Buffer.from('1')), () => backend.get('lone')]) {
        const before = client.stream.bytesWritten;
        const pending = call();
        const flushedBeforeNextTurn = await new Promise<boolean>((resolve) =>
          setImmediate(() =>
            resolve(client.stream.writableLength === 0 && client.stream.bytesWritten > before),
          ),
        );
        expect(flushedBeforeNextTurn).toBe(true);
        await pending;
      }
    } finally {
      await backend.close();
    }
  });
});
