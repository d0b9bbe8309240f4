import { BackendError } from '@cachestack/core';
import { command, RedisServer } from '@cachestack/test-support';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';

// getWithTtl / getManyWithTtl: a value and its remaining TTL in one round
// trip (one GET+PTTL script), on a real redis-server.
let server: RedisServer;
const open: RedisBackend[] = [];
let counter = 0;

beforeAll(async () => {
  server = await RedisServer.start();
}, 30_000);
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});
afterAll(async () => {
  await server?.destroy();
});

function backend(options: { coalesceGets?: boolean } = {}): RedisBackend {
  const created = new RedisBackend({
    url: server.url,
    namespace: `vwt-${process.pid}-${++counter}`,
    ...options,
  });
  open.push(created);
  return created;
}

/** Calls per command name since the last reset; commands run by a script count too. */
async function commandCalls(): Promise<Record<string, number>> {
  const info = String(await command(server.port, ['INFO', 'commandstats']));
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
    // ioredis sends a script with EVALSHA, or EVAL when the connection may not have it yet.
    const name = match[1] === 'eval' || match[1] === 'evalsha' ? 'script' : (match[1] as string);
    if (name !== 'info') calls[name] = (calls[name] ?? 0) + Number(match[2]);
  }
  return calls;
}

async function failure(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

const text = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : Buffer.from(value).toString();

describe('getWithTtl', () => {
  for (const coalesceGets of [true, false]) {
    it(`returns the value with its remaining ms, Infinity without expiry, undefined when missing (coalesceGets ${coalesceGets})`, async () => {
      const cache = backend({ coalesceGets });
      await cache.set('short', Buffer.from('S'), 5_000);
      await cache.set('forever', Buffer.from('F'));
      const short = await cache.getWithTtl('short');
      expect(text(short?.value)).toBe('S');
      expect(short?.ttlMs).toBeGreaterThan(4_000);
      expect(short?.ttlMs).toBeLessThanOrEqual(5_000);
      const forever = await cache.getWithTtl('forever');
      expect(text(forever?.value)).toBe('F');
      expect(forever?.ttlMs).toBe(Number.POSITIVE_INFINITY);
      expect(await cache.getWithTtl('missing')).toBeUndefined();
      const empty = Buffer.alloc(0);
      await cache.set('empty', empty, 1_000);
      expect((await cache.getWithTtl('empty'))?.value.byteLength).toBe(0);
    });
  }

  it('an expired key is a miss', async () => {
    const cache = backend();
    await cache.set('k', Buffer.from('v'), 30);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await cache.getWithTtl('k')).toBeUndefined();
  });

  it('same-tick calls share one script call; a repeated key gets a copy of its own', async () => {
    const cache = backend();
    await cache.setMany([
      { key: 'a', value: Buffer.from('A'), ttlMs: 9_000 },
      { key: 'b', value: Buffer.from('B') },
    ]);
    await cache.getWithTtl('warm-up');
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    const [a, b, missing, again] = await Promise.all([
      cache.getWithTtl('a'),
      cache.getWithTtl('b'),
      cache.getWithTtl('missing'),
      cache.getWithTtl('a'),
    ]);
    expect(await commandCalls()).toEqual({ script: 1, get: 3, pttl: 3 });
    expect([text(a?.value), text(b?.value), missing, text(again?.value)]).toEqual([
      'A',
      'B',
      undefined,
      'A',
    ]);
    expect(b?.ttlMs).toBe(Number.POSITIVE_INFINITY);
    a?.value.fill(0);
    expect(text(again?.value)).toBe('A');
  });

  it('a key holding another Redis type reads as a miss (as MGET does)', async () => {
    const cache = backend();
    await cache.client.rpush(`cs:${cache.namespace}:d:list`, 'x');
    expect(await cache.getWithTtl('list')).toBeUndefined();
  });

  it('rejects a bad key with INVALID_KEY and fails with CLOSED after close()', async () => {
    const cache = backend();
    const bad = await failure(cache.getWithTtl(''));
    expect([bad.type, bad.code]).toEqual(['PERMANENT', 'INVALID_KEY']);
    await cache.close();
    const closed = await failure(cache.getWithTtl('k'));
    expect([closed.type, closed.code]).toEqual(['PERMANENT', 'CLOSED']);
  });

  it("honours the caller's 'get' time limit; the next call gets its own reply", async () => {
    const cache = backend();
    await cache.set('a', Buffer.from('A'), 60_000);
    await cache.set('b', Buffer.from('B'));
    const sleeper = command(server.port, ['DEBUG', 'SLEEP', '0.6']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    const error = await failure(cache.withTimeout('get', 100, () => cache.getWithTtl('a')));
    expect([error.type, error.operation, error.key]).toEqual(['TIMEOUT', 'get', 'a']);
    expect(performance.now() - started).toBeLessThan(500);
    const b = await cache.getWithTtl('b');
    await sleeper;
    expect(text(b?.value)).toBe('B');
  });
});

describe('getManyWithTtl', () => {
  it('returns values and TTLs in order, in one script call, copies for duplicates', async () => {
    const cache = backend();
    await cache.set('a', Buffer.from('A'), 7_000);
    await cache.set('b', Buffer.from('B'));
    await cache.getWithTtl('warm-up');
    await command(server.port, ['CONFIG', 'RESETSTAT']);
    const results = await cache.getManyWithTtl(['a', 'missing', 'b', 'a']);
    expect(await commandCalls()).toEqual({ script: 1, get: 3, pttl: 3 });
    expect(results.map((result) => text(result?.value))).toEqual(['A', undefined, 'B', 'A']);
    expect(results[0]?.ttlMs).toBeGreaterThan(6_000);
    expect(results[2]?.ttlMs).toBe(Number.POSITIVE_INFINITY);
    expect(results[0]?.value).not.toBe(results[3]?.value);
    expect(await cache.getManyWithTtl([])).toEqual([]);
    const bad = await failure(cache.getManyWithTtl(['ok', '']));
    expect(bad.code).toBe('INVALID_KEY');
  });
});

/** Each version the writer stores names its own TTL: `short` (PX 5 s), `long` (PX 1 h), `none`. */
const VERSIONS = [
  ['short', ['PX', '5000']],
  ['long', ['PX', '3600000']],
  ['none', []],
] as const;

/** True when `ttlMs` is a TTL the version named `name` can have. */
function ttlMatches(name: string, ttlMs: number): boolean {
  if (name === 'none') return ttlMs === Number.POSITIVE_INFINITY;
  if (name === 'short') return ttlMs <= 5_000;
  return ttlMs > 5_000 && ttlMs <= 3_600_000;
}

describe('a value and its TTL always come from the same version of the key', () => {
  it('a concurrent writer changing value and TTL never yields a mismatched pair (getWithTtl and getManyWithTtl)', async () => {
    const cache = backend();
    const redisKeys = ['a', 'b'].map((key) => `cs:${cache.namespace}:d:${key}`);
    const writer = new Redis(server.url);
    let stop = false;
    let writes = 0;
    // Rewrites both keys as fast as it can, each write a different version (value + TTL).
    const writing = (async () => {
      while (!stop) {
        const pipeline = writer.pipeline();
        for (let i = 0; i < 20; i++) {
          const version = Math.floor(Math.random() * VERSIONS.length);
          const [name, ttl] = VERSIONS[version] as (typeof VERSIONS)[number];
          pipeline.set(redisKeys[i % 2] as string, name, ...(ttl as []));
        }
        writes += 20;
        await pipeline.exec();
      }
    })();
    const seen = new Map<string, number>();
    const check = (found: { value: Uint8Array; ttlMs: number } | undefined) => {
      if (found === undefined) return;
      const name = text(found.value) as string;
      seen.set(name, (seen.get(name) ?? 0) + 1);
      if (!ttlMatches(name, found.ttlMs)) throw new Error(`${name} paired with ${found.ttlMs} ms`);
    };
    try {
      const until = performance.now() + 1_500;
      while (performance.now() < until) {
        check(await cache.getWithTtl('a'));
        // Same tick: one script call for both keys.
        for (const found of await Promise.all([cache.getWithTtl('a'), cache.getWithTtl('b')])) {
          check(found);
        }
        for (const found of await cache.getManyWithTtl(['b', 'a'])) check(found);
      }
    } finally {
      stop = true;
      await writing;
      writer.disconnect();
    }
    // The writer really interleaved: every version was read, many times.
    expect(writes).toBeGreaterThan(1_000);
    expect([...seen.keys()].sort()).toEqual(['long', 'none', 'short']);
  }, 20_000);

  it('recovers when the server lost the script (SCRIPT FLUSH: NOSCRIPT, then EVAL)', async () => {
    const cache = backend();
    await cache.set('a', Buffer.from('A'), 60_000);
    expect(text((await cache.getWithTtl('a'))?.value)).toBe('A');
    await command(server.port, ['SCRIPT', 'FLUSH']);
    expect(text((await cache.getWithTtl('a'))?.value)).toBe('A');
    await command(server.port, ['SCRIPT', 'FLUSH']);
    expect((await cache.getManyWithTtl(['a', 'b'])).map((found) => text(found?.value))).toEqual([
      'A',
      undefined,
    ]);
  });

  it('a read refused while another script runs too long is TRANSIENT (BUSY); the next one works', async () => {
    const cache = backend();
    await cache.set('a', Buffer.from('A'), 60_000);
    await cache.getWithTtl('a');
    await command(server.port, ['CONFIG', 'SET', 'busy-reply-threshold', '50']);
    try {
      // Another client's script keeps the server busy for 600 ms.
      const busy = command(server.port, [
        'EVAL',
        "local s = redis.call('TIME') repeat local n = redis.call('TIME') until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 600000 return 1",
        '0',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [one, many] = await Promise.all([
        failure(cache.getWithTtl('a')),
        failure(cache.getManyWithTtl(['a'])),
      ]);
      for (const error of [one, many]) {
        expect([error.type, error.code, error.operation]).toEqual([
          'TRANSIENT',
          'UNAVAILABLE',
          error === one ? 'get' : 'getMany',
        ]);
      }
      await busy;
      expect(text((await cache.getWithTtl('a'))?.value)).toBe('A');
    } finally {
      await command(server.port, ['CONFIG', 'SET', 'busy-reply-threshold', '5000']);
    }
  }, 10_000);
});
