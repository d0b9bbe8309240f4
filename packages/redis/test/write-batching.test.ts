import { command, RedisServer } from '@cachestack/test-support';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';

let server: RedisServer;
const open: RedisBackend[] = [];
let counter = 0;

beforeAll(async () => {
  server = await RedisServer.start();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});
afterAll(async () => {
  await server?.destroy();
});

async function readyBackend(): Promise<{ backend: RedisBackend; client: Redis }> {
  const backend = new RedisBackend({
    url: server.url,
    namespace: `wb-${process.pid}-${++counter}`,
  });
  open.push(backend);
  await backend.set('warm-up', Buffer.from('x'));
  return { backend, client: backend.client as Redis };
}

/** Calls per command name since the last reset (`INFO commandstats`). */
async function commandCalls(): Promise<Record<string, number>> {
  const info = String(await command(server.port, ['INFO', 'commandstats']));
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
    calls[match[1] as string] = Number(match[2]);
  }
  return calls;
}

const text = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : Buffer.from(value).toString();

describe('same-tick commands on a single server', () => {
  it('holds the commands issued in one tick in the corked socket, then sends them together', async () => {
    const { backend, client } = await readyBackend();
    const deletes = Array.from({ length: 100 }, (_, i) => backend.delete(`k${i}`));
    // Still in the same tick: the socket is corked, the 100 DELs wait in its buffer.
    expect(client.stream.writableCorked).toBe(1);
    expect(client.stream.writableLength).toBeGreaterThan(0);
    expect(await Promise.all(deletes)).toEqual(Array.from({ length: 100 }, () => false));
    expect(client.stream.writableCorked).toBe(0);
  });

  it('sends a lone command before the event loop turns (no setImmediate hop per call)', async () => {
    const { backend, client } = await readyBackend();
    for (const call of [
      () => backend.set('lone', Buffer.from('1')),
      () => backend.get('lone'),
      () => backend.exists('lone'),
    ]) {
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
  });

  it('100 same-tick sets without a TTL are one MSET', async () => {
    const { backend } = await readyBackend();
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => backend.set(`k${i}`, Buffer.from(`v${i}`))),
    );
    const calls = await commandCalls();
    expect(calls.mset).toBe(1);
    expect(calls.set).toBeUndefined();
    const values = await Promise.all(Array.from({ length: 100 }, (_, i) => backend.get(`k${i}`)));
    expect(values.map(text)).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`));
    expect(await backend.getTtl('k7')).toBe(Number.POSITIVE_INFINITY);
  });

  it('same-tick sets with TTLs are one script call, each with its own TTL', async () => {
    const { backend } = await readyBackend();
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    await Promise.all([
      backend.set('a', Buffer.from('A'), 60_000),
      backend.set('b', Buffer.from('B')),
      backend.set('c', Buffer.from('C'), 5_000),
    ]);
    const calls = await commandCalls();
    expect((calls.evalsha ?? 0) + (calls.eval ?? 0)).toBe(1);
    expect(calls.set).toBe(3); // the script's own SET calls: none was sent on its own
    expect((await backend.getMany(['a', 'b', 'c'])).map(text)).toEqual(['A', 'B', 'C']);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((key) => backend.getTtl(key)));
    expect(a).toBeGreaterThan(55_000);
    expect(a).toBeLessThanOrEqual(60_000);
    expect(b).toBe(Number.POSITIVE_INFINITY);
    expect(c).toBeGreaterThan(1_000);
    expect(c).toBeLessThanOrEqual(5_000);
  });

  it('keeps issue order within a tick: the later set wins, a later delete or get sees the set', async () => {
    const { backend } = await readyBackend();
    const [, , afterOverwrite] = await Promise.all([
      backend.set('k', Buffer.from('first'), 60_000),
      backend.set('k', Buffer.from('second')),
      backend.get('k'),
    ]);
    expect(text(afterOverwrite)).toBe('second');
    expect(await backend.getTtl('k')).toBe(Number.POSITIVE_INFINITY);
    const [, existed, afterDelete] = await Promise.all([
      backend.set('gone', Buffer.from('x')),
      backend.delete('gone'),
      backend.get('gone'),
    ]);
    expect(existed).toBe(true);
    expect(afterDelete).toBeUndefined();
    const [, , ttl] = await Promise.all([
      backend.set('t', Buffer.from('x')),
      backend.set('t', Buffer.from('y'), 30_000),
      backend.getTtl('t'),
    ]);
    expect(ttl).toBeGreaterThan(25_000);
  });

  it('a bad entry fails alone: validation happens before anything is queued', async () => {
    const { backend } = await readyBackend();
    const results = await Promise.allSettled([
      backend.set('ok', Buffer.from('1')),
      backend.set('bad', Buffer.from('2'), -1),
      backend.set('ok2', Buffer.from('3')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await backend.exists('bad')).toBe(false);
    expect((await backend.getMany(['ok', 'ok2'])).map(text)).toEqual(['1', '3']);
  });
});

describe('set coalescing limits', () => {
  it('values over 4 MiB together go in separate commands, in order', async () => {
    const { backend } = await readyBackend();
    const big = (fill: number) => Buffer.alloc(3 * 1024 * 1024, fill);
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    await Promise.all([
      backend.set('b1', big(1)),
      backend.set('b2', big(2)),
      backend.set('b1', big(3)),
    ]);
    const calls = await commandCalls();
    expect(calls.set).toBe(3);
    expect(calls.mset).toBeUndefined();
    expect(big(3).equals((await backend.get('b1')) ?? new Uint8Array())).toBe(true);
    expect(big(2).equals((await backend.get('b2')) ?? new Uint8Array())).toBe(true);
  });

  it('coalesceSets: false sends one SET per call', async () => {
    const backend = new RedisBackend({
      url: server.url,
      namespace: `wb-off-${process.pid}`,
      coalesceSets: false,
    });
    open.push(backend);
    await backend.set('warm-up', Buffer.from('x'));
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => backend.set(`k${i}`, Buffer.from(`${i}`))),
    );
    const calls = await commandCalls();
    expect(calls.set).toBe(20);
    expect(calls.mset).toBeUndefined();
    expect(() => new RedisBackend({ url: server.url, coalesceSets: 'yes' as never })).toThrow(
      /coalesceSets/,
    );
  });
});
