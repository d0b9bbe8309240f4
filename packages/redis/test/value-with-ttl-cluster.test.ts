import { command, RedisCluster } from '@cachestack/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keySlot, RedisBackend } from '../src/index.js';

// getWithTtl / getManyWithTtl on a real 3-master Cluster: one GET+PTTL
// script call per hash slot (a script may not cross slots), not one per key.
let cluster: RedisCluster;
const backends: RedisBackend[] = [];
let counter = 0;

beforeAll(async () => {
  cluster = await RedisCluster.start(3);
}, 60_000);
afterEach(async () => {
  await Promise.all(backends.splice(0).map((created) => created.close()));
});
afterAll(async () => {
  await cluster?.destroy();
});

function backend(): RedisBackend {
  const created = new RedisBackend({
    cluster: { nodes: cluster.nodes },
    namespace: `vwtc-${process.pid}-${++counter}`,
  });
  backends.push(created);
  return created;
}

/** Script calls (`EVALSHA`, or `EVAL` after `NOSCRIPT`) summed over every node since the last reset. */
async function scriptCalls(): Promise<number> {
  const perNode = await Promise.all(
    cluster.servers.map(async (server) => {
      const info = String(await command(server.port, ['INFO', 'commandstats']));
      let calls = 0;
      for (const match of info.matchAll(/cmdstat_(eval|evalsha):calls=(\d+)/g)) {
        calls += Number(match[2]);
      }
      return calls;
    }),
  );
  return perNode.reduce((sum, calls) => sum + calls, 0);
}

async function resetStats(): Promise<void> {
  await Promise.all(cluster.servers.map((server) => command(server.port, ['CONFIG', 'RESETSTAT'])));
}

const text = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : Buffer.from(value).toString();

describe('TTL reads on a Cluster', () => {
  it('one script call per hash slot for same-tick getWithTtl calls and for getManyWithTtl', async () => {
    const cache = backend();
    // Two hash tags: two slots, each holding six keys.
    const keys = ['{one}', '{two}'].flatMap((tag) =>
      Array.from({ length: 6 }, (_, i) => `${tag}${i}`),
    );
    const slots = new Set(keys.map((key) => keySlot(`cs:${cache.namespace}:d:${key}`)));
    expect(slots.size).toBe(2);
    await cache.setMany(keys.map((key) => ({ key, value: Buffer.from(key), ttlMs: 60_000 })));
    // Load the script on every node first (a first call per node is NOSCRIPT, then EVAL).
    await cache.getManyWithTtl(keys);
    await resetStats();
    const coalesced = await Promise.all([...keys, '{one}missing'].map((k) => cache.getWithTtl(k)));
    expect(await scriptCalls()).toBe(2);
    await resetStats();
    const batch = await cache.getManyWithTtl([...keys, '{two}missing', keys[0] as string]);
    expect(await scriptCalls()).toBe(2);
    expect(coalesced.map((found) => text(found?.value))).toEqual([...keys, undefined]);
    expect(batch.map((found) => text(found?.value))).toEqual([...keys, undefined, keys[0]]);
    for (const found of [...coalesced, ...batch]) {
      if (found !== undefined) expect(found.ttlMs).toBeGreaterThan(50_000);
    }
    // A repeated key gets bytes of its own.
    expect(batch[0]?.value).not.toBe(batch[13]?.value);
  }, 30_000);
});
