import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InvalidationMessage } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisInvalidationBus, type RedisPubSubConnection, TieredBackend } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

// Type-level: ioredis Redis and Cluster fit the structural connection type.
const clusterFits: Cluster extends RedisPubSubConnection ? true : false = true;
const redisFits: Redis extends RedisPubSubConnection ? true : false = true;

const server = await RedisServer.start();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  await server.restart();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => server.destroy());

function instance(namespace: string, origin: string) {
  const client = new Redis(server.url);
  client.on('error', () => {}); // the test restarts the server on purpose
  const bus = new RedisInvalidationBus({ client });
  const l1 = new MemoryBackend();
  const cache = new TieredBackend({
    tiers: [{ backend: l1, maxTtlMs: 60_000 }, new RedisBackend({ url: server.url, namespace })],
    invalidation: { bus, namespace, origin },
  });
  cleanups.push(() => client.quit().catch(() => client.disconnect()));
  cleanups.push(() => bus.close());
  cleanups.push(() => cache.close());
  return { client, bus, l1, cache };
}

describe('RedisInvalidationBus with a real redis-server', () => {
  it('the structural type accepts ioredis Redis and Cluster', () => {
    expect(clusterFits && redisFits).toBe(true);
  });

  it("a write in one instance drops the other's L1 copy; own messages are ignored", async () => {
    const namespace = randomUUID();
    const a = instance(namespace, 'a');
    const b = instance(namespace, 'b');
    await Promise.all([a.cache.ready(), b.cache.ready()]);
    const observer = instance(namespace, 'observer');
    const seen: InvalidationMessage[] = [];
    await observer.bus.subscribe({ onMessage: (m) => seen.push(m), onReconnect: () => {} });

    await a.cache.set('k', bytes('v1'));
    // b's first backfill may be dropped by the late message of that very set: read until it sticks.
    await waitFor(async () => {
      expect(text(await b.cache.get('k'))).toBe('v1');
      return text(await b.l1.get('k')) === 'v1';
    });
    seen.length = 0;
    await a.cache.set('k', bytes('v2'));
    await waitFor(async () => (await b.l1.get('k')) === undefined);
    expect(text(await b.cache.get('k'))).toBe('v2');
    await waitFor(() => seen.length > 0);
    expect(seen[0]).toEqual({
      origin: 'a',
      namespace,
      kind: 'keys',
      keys: ['k'],
      sentAt: expect.any(Number),
    });
    expect(text(await a.l1.get('k'))).toBe('v2');
  });

  it("clear in one instance clears the other's L1", async () => {
    const namespace = randomUUID();
    const a = instance(namespace, 'a');
    const b = instance(namespace, 'b');
    await Promise.all([a.cache.ready(), b.cache.ready()]);
    await b.l1.set('local', bytes('x'));
    await a.cache.clear?.();
    await waitFor(async () => (await b.l1.get('local')) === undefined);
  });

  it('after the server restarts, the subscriber reconnects and the L1 is cleared', async () => {
    const namespace = randomUUID();
    const b = instance(namespace, 'b');
    await b.cache.ready();
    await b.cache.set('k', bytes('v'));
    expect(text(await b.l1.get('k'))).toBe('v');
    await server.stop('SIGKILL');
    await server.restart();
    await waitFor(async () => (await b.l1.get('k')) === undefined, 15_000);
  });

  it('close() quits the subscriber connection and leaves the user client open', async () => {
    const client = new Redis(server.url);
    cleanups.push(() => client.quit());
    const bus = new RedisInvalidationBus({ client, channel: 'custom' });
    await bus.subscribe({ onMessage: () => {}, onReconnect: () => {} });
    const subscribers = async () =>
      ((await client.call('PUBSUB', 'NUMSUB', 'custom')) as [string, number])[1];
    expect(await subscribers()).toBe(1);
    await bus.close();
    await bus.close();
    expect(await subscribers()).toBe(0);
    expect(client.status).toBe('ready');
    await expect(bus.publish({ origin: 'x', namespace: 'y', kind: 'clear' })).rejects.toMatchObject(
      {
        code: 'CLOSED',
      },
    );
  });
});

describe('two processes sharing Redis', () => {
  const fixture = fileURLToPath(new URL('./fixtures/invalidation-reader.mjs', import.meta.url));
  let child: ChildProcess | undefined;
  afterEach(async () => {
    child?.send({ type: 'exit' });
    if (child?.exitCode === null) await new Promise((resolve) => child?.once('exit', resolve));
    child = undefined;
  });

  function next(type: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (message.type === type) {
          child?.off('message', onMessage);
          resolve(message);
        } else if (message.type === 'timeout') reject(new Error('the reader never saw the write'));
      };
      child?.on('message', onMessage);
    });
  }

  it("a write in process A reaches process B's L1 through the bus; staleness window measured", async () => {
    if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
      throw new Error('build the package first: npx tsup (the fixture imports ../../dist)');
    }
    const namespace = randomUUID();
    child = fork(fixture, [server.url, namespace], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const writer = instance(namespace, 'writer');
    await writer.cache.ready();
    await next('ready');
    const windows: number[] = [];
    for (let round = 0; round < 20; round += 1) {
      await writer.cache.set('shared', bytes(`v${round}`));
      child.send({ type: 'settle', key: 'shared', expect: `v${round}` });
      const settled = await next('settled');
      expect(settled.inL1).toBe(`v${round}`);
      child.send({ type: 'watch', key: 'shared', expect: `v${round}-new` });
      await next('watching');
      const seen = next('seen');
      await writer.cache.set('shared', bytes(`v${round}-new`));
      const written = performance.timeOrigin + performance.now();
      const { at } = await seen;
      windows.push(Math.max(0, (at as number) - written));
    }
    windows.sort((x, y) => x - y);
    const median = windows[Math.floor(windows.length / 2)] as number;
    const worst = windows[windows.length - 1] as number;
    console.log(
      `staleness window after set() resolved: median ${median.toFixed(2)} ms, max ${worst.toFixed(2)} ms (20 rounds)`,
    );
    expect(worst).toBeLessThan(2_000);
  });
});
