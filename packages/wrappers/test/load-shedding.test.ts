import { MemoryBackend } from '@cachestack/memory';
import { command } from '@cachestack/test-support';
import { describe, expect, test } from 'vitest';
import { LoadSheddingBackend, OVERLOADED } from '../src/index.js';
import { startRedisFixture } from './support/redis-fixture.js';

const { server, proxy, open, redis } = await startRedisFixture({
  namespace: 'shed',
  commandTimeoutMs: 5_000,
});

type Outcome = { code: string; at: number };

async function outcome(promise: Promise<unknown>, started: number): Promise<Outcome> {
  try {
    await promise;
    return { code: 'OK', at: performance.now() - started };
  } catch (error) {
    const { code, type } = error as { code: string; type: string };
    return { code: `${type} ${code}`, at: performance.now() - started };
  }
}

describe('LoadSheddingBackend', () => {
  test('Redis paused (CLIENT PAUSE): 10,000 concurrent gets settle within their limits, in-flight and queue stay bounded', async () => {
    const backend = new LoadSheddingBackend(redis(server.url, 1_000), {
      maxInFlight: 100,
      maxQueued: 1_000,
      queueTimeoutMs: 200,
    });
    open.push(backend);
    await backend.set('k', Buffer.from('v')); // connected
    await command(server.port, ['CLIENT', 'PAUSE', 3_000, 'ALL']);
    let peakInFlight = 0;
    let peakQueued = 0;
    const sampler = setInterval(() => {
      peakInFlight = Math.max(peakInFlight, backend.inFlight);
      peakQueued = Math.max(peakQueued, backend.queued);
    }, 5);
    const started = performance.now();
    const calls = Array.from({ length: 10_000 }, () => outcome(backend.get('k'), started));
    // Admission is decided synchronously, as each call is made.
    expect(backend.inFlight).toBe(100);
    expect(backend.queued).toBe(1_000);
    expect(backend.shed).toBe(8_900);
    const results = await Promise.all(calls);
    const settledAfter = performance.now() - started;
    clearInterval(sampler);
    const byCode = new Map<string, Outcome[]>();
    for (const result of results)
      byCode.set(result.code, [...(byCode.get(result.code) ?? []), result]);
    const shed = byCode.get(`TRANSIENT ${OVERLOADED}`) ?? [];
    const timedOut = byCode.get('TIMEOUT TIMEOUT') ?? [];
    expect([...byCode.keys()].sort()).toEqual(['TIMEOUT TIMEOUT', `TRANSIENT ${OVERLOADED}`]);
    expect(timedOut).toHaveLength(100); // the ones in flight: Redis command timeout (1 s)
    expect(shed).toHaveLength(9_900); // 8,900 at once + 1,000 after waiting 200 ms in the queue
    // Everything settles within the longest limit (the 1 s command timeout) plus slack for a loaded machine.
    expect(settledAfter).toBeLessThan(3_000);
    expect(peakInFlight).toBeLessThanOrEqual(100);
    expect(peakQueued).toBeLessThanOrEqual(1_000);
    expect(backend.inFlight).toBe(0);
    expect(backend.queued).toBe(0);
    expect(backend.shed).toBe(9_900);
    // The pause ends by itself; the same instance serves again.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, 3_100 - (performance.now() - started))),
    );
    expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('v');
  }, 20_000);

  test('a queued call gets the next free slot, in arrival order', async () => {
    const backend = new LoadSheddingBackend(redis(proxy.url), {
      maxInFlight: 2,
      maxQueued: 2,
      queueTimeoutMs: 2_000,
    });
    open.push(backend);
    await backend.set('k', Buffer.from('v'));
    proxy.delayMs = 50;
    const started = performance.now();
    const order: number[] = [];
    const calls = [0, 1, 2, 3, 4].map((i) =>
      outcome(
        backend.get('k').then(() => order.push(i)),
        started,
      ),
    );
    const results = await Promise.all(calls);
    expect(results.map((result) => result.code)).toEqual([
      'OK',
      'OK',
      'OK',
      'OK',
      `TRANSIENT ${OVERLOADED}`,
    ]);
    expect(order.slice(0, 2).sort()).toEqual([0, 1]);
    expect(order.slice(2).sort()).toEqual([2, 3]);
  });

  test('a queued call that waits longer than queueTimeoutMs is refused with OVERLOADED', async () => {
    const backend = new LoadSheddingBackend(redis(proxy.url), {
      maxInFlight: 1,
      maxQueued: 5,
      queueTimeoutMs: 50,
    });
    open.push(backend);
    await backend.set('k', Buffer.from('v'));
    proxy.delayMs = 150;
    const started = performance.now();
    const [first, second] = await Promise.all([
      outcome(backend.get('k'), started),
      outcome(backend.get('k'), started),
    ]);
    expect(first?.code).toBe('OK');
    expect(second?.code).toBe(`TRANSIENT ${OVERLOADED}`);
    expect(second?.at).toBeGreaterThanOrEqual(45);
    expect(second?.at).toBeLessThan(first?.at as number);
    const health = await backend.healthCheck();
    expect(health.details).toMatchObject({ inFlight: 0, queued: 0, shed: 1 });
  });

  test('bad options throw a TypeError naming the option', () => {
    const inner = new MemoryBackend();
    open.push(inner);
    const bad: [unknown, RegExp][] = [
      [{ maxInFlight: 0 }, /option "maxInFlight"/],
      [{ maxQueued: -1 }, /option "maxQueued"/],
      [{ maxQueued: 1.5 }, /option "maxQueued"/],
      [{ queueTimeoutMs: 0 }, /option "queueTimeoutMs"/],
    ];
    for (const [options, message] of bad) {
      expect(() => new LoadSheddingBackend(inner, options as never)).toThrow(TypeError);
      expect(() => new LoadSheddingBackend(inner, options as never)).toThrow(message);
    }
  });
});
