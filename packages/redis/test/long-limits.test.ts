import { RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';

let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
}, 60_000);
afterAll(async () => {
  await server?.destroy();
});

// A withTimeout limit beyond one Node timer (2^31 - 1 ms) must neither fire
// early nor make a timer overflow (Node then fires it after 1 ms, warns, and
// a re-arming coalescer spins once a millisecond).
describe('time limits longer than one timer can wait', () => {
  it('coalesced and direct calls under a 1e10 ms default and a 2^31 ms scope resolve, without TimeoutOverflowWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      for (const coalesce of [true, false]) {
        await using backend = new RedisBackend({
          url: server.url,
          namespace: `long-limits-${coalesce}-${process.pid}`,
          coalesceGets: coalesce,
          coalesceSets: coalesce,
          timeouts: { '*': 1e10 },
          commandTimeoutMs: 1e10,
        });
        await backend.set('k', Buffer.from('v'));
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(Buffer.from((await backend.get('k')) ?? []).toString()).toBe('v');
        const scoped = await backend.withTimeout('get', 2 ** 31, async () => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return backend.get('k');
        });
        expect(Buffer.from(scoped ?? []).toString()).toBe('v');
      }
      await new Promise((resolve) => setTimeout(resolve, 20)); // warnings arrive on a later tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
