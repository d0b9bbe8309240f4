import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendError, CapabilityNotAvailableError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { SqliteBackend } from '@cachestack/sqlite';
import { baseOnly } from '@cachestack/test-support';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyvCachestack } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = mkdtempSync(join(tmpdir(), 'cachestack-keyv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyvOver(backend = new MemoryBackend(), options: Record<string, unknown> = {}) {
  const store = new KeyvCachestack({ backend });
  return { backend, store, keyv: new Keyv({ store, ...options }) };
}

describe('values', () => {
  it("stores Keyv's serialized string as UTF-8 bytes under namespace:key", async () => {
    const { backend, keyv } = keyvOver();
    await keyv.set('user:1', { name: 'Ада 🚀' });
    const bytes = await backend.get('keyv:user:1');
    expect(JSON.parse(Buffer.from(bytes as Uint8Array).toString('utf8'))).toEqual({
      value: { name: 'Ада 🚀' },
    });
    expect(await keyv.get('user:1')).toEqual({ name: 'Ада 🚀' });
  });

  it('rejects a raw (unserialized) value with INVALID_VALUE, as an error event or a throw', async () => {
    const backend = new MemoryBackend();
    const store = new KeyvCachestack({ backend });
    const raw = new Keyv({ store, serialize: undefined, deserialize: undefined });
    const events: unknown[] = [];
    raw.on('error', (error) => events.push(error));
    expect(await raw.set('k', { a: 1 })).toBe(false);
    expect(events).toHaveLength(1);
    expect(events[0]).toBeInstanceOf(BackendError);
    expect(events[0]).toMatchObject({ type: 'PERMANENT', code: 'INVALID_VALUE' });
    expect((events[0] as Error).message).toMatch(/keep Keyv's default `serialize`/);
    expect(await backend.exists('keyv:k')).toBe(false);

    const throwing = new Keyv({ store, serialize: undefined, throwOnErrors: true });
    await expect(throwing.set('k', { a: 1 })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
  });

  it('reads bytes that are not UTF-8 as a CORRUPT error', async () => {
    const { backend, store } = keyvOver();
    await backend.set('keyv:bad', new Uint8Array([0xff, 0xfe, 0x00]));
    await expect(store.get('keyv:bad')).rejects.toMatchObject({
      type: 'PERMANENT',
      code: 'CORRUPT',
    });
  });
});

describe('TTLs (Keyv ms → backend ms)', () => {
  it('hands the TTL to the backend, which expires the entry itself', async () => {
    const backend = new SqliteBackend({ path: join(dir, 'ttl.db') });
    const { keyv } = keyvOver(undefined);
    const sqliteKeyv = new Keyv({ store: new KeyvCachestack({ backend }) });
    await sqliteKeyv.set('short', 'v', 150);
    const left = await backend.getTtl('keyv:short');
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(150);
    await sleep(250);
    expect(await backend.get('keyv:short')).toBeUndefined(); // gone from the store, not just hidden by Keyv
    expect(await keyv.get('short')).toBeUndefined();
    await backend.close();
  });

  it('ttl 0 and no ttl mean no expiry; a later set without ttl removes an expiry', async () => {
    const { backend, keyv } = keyvOver();
    await keyv.set('zero', 'v', 0);
    expect(await backend.getTtl('keyv:zero')).toBe(Number.POSITIVE_INFINITY);
    await keyv.set('k', 'v', 60_000);
    expect(await backend.getTtl('keyv:k')).toBeLessThanOrEqual(60_000);
    await keyv.set('k', 'v2');
    expect(await backend.getTtl('keyv:k')).toBe(Number.POSITIVE_INFINITY);
  });

  it('a Keyv-level default ttl ({ ttl }) reaches the backend', async () => {
    const { backend, keyv } = keyvOver(undefined, { ttl: 5_000 });
    await keyv.set('k', 'v');
    const left = await backend.getTtl('keyv:k');
    expect(left).toBeGreaterThan(4_000);
    expect(left).toBeLessThanOrEqual(5_000);
  });

  it('a negative ttl deletes the key (the entry would be expired already)', async () => {
    const { backend, store } = keyvOver();
    await store.set('k', '"old"');
    expect(await store.set('k', '"new"', -1)).toBe(true);
    expect(await backend.exists('k')).toBe(false);
    await store.setMany([
      { key: 'a', value: '1', ttl: -5 },
      { key: 'b', value: '2', ttl: 0 },
    ]);
    expect(await backend.exists('a')).toBe(false);
    expect(await backend.getTtl('b')).toBe(Number.POSITIVE_INFINITY);
  });

  it('a TTL that is not a number is INVALID_TTL and changes nothing', async () => {
    const { backend, store } = keyvOver();
    await store.set('k', 'old');
    await expect(store.set('k', 'new', Number.NaN)).rejects.toMatchObject({ code: 'INVALID_TTL' });
    await expect(
      store.setMany([
        { key: 'k', value: 'new' },
        { key: 'x', value: 'x', ttl: '5' as unknown as number },
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_TTL' });
    expect(await store.get('k')).toBe('old');
    expect(await backend.exists('x')).toBe(false);
  });
});

describe('namespaces and capabilities', () => {
  it("clear() of a namespace keeps other namespaces' entries and other keys", async () => {
    const backend = new MemoryBackend();
    const a = new Keyv({ store: new KeyvCachestack({ backend }), namespace: 'a' });
    const b = new Keyv({ store: new KeyvCachestack({ backend }), namespace: 'b' });
    await a.set('k', 1);
    await b.set('k', 2);
    await backend.set('a-not-keyv', new Uint8Array([1]));
    await a.clear();
    expect(await a.get('k')).toBeUndefined();
    expect(await b.get('k')).toBe(2);
    expect(await backend.exists('a-not-keyv')).toBe(true);
  });

  it('without a namespace, clear() empties the backend', async () => {
    const { backend, keyv } = keyvOver(undefined, { namespace: '' });
    await keyv.set('k', 1);
    await backend.set('other', new Uint8Array([1]));
    await keyv.clear();
    expect(await backend.exists('other')).toBe(false);
  });

  it('batch calls work on a backend without the batch capability', async () => {
    const { keyv } = keyvOver(baseOnly(new MemoryBackend()) as MemoryBackend);
    await keyv.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 1_000 },
    ]);
    expect(await keyv.get(['a', 'b', 'c'])).toEqual([1, 2, undefined]);
    expect(await keyv.has(['a', 'c'])).toEqual([true, false]);
    expect(await keyv.delete(['a', 'b'])).toBe(true);
    expect(await keyv.delete(['a'])).toBe(false);
  });

  it('a backend without key listing: no keyv.iterator, and clear() of a namespace says why', async () => {
    const store = new KeyvCachestack({ backend: baseOnly(new MemoryBackend()) });
    const keyv = new Keyv({ store, throwOnErrors: true });
    expect(store.opts.dialect).toBe('cachestack');
    expect(keyv.iterator).toBeUndefined();
    const error = await keyv.clear().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CapabilityNotAvailableError);
    expect((error as Error).message).toMatch(/"keys" capability/);
  });
});

describe('locks', () => {
  it('acquireLock: one holder at a time across two stores on one SQLite file', async () => {
    const path = join(dir, 'locks.db');
    const one = new KeyvCachestack({ backend: new SqliteBackend({ path }) });
    const two = new KeyvCachestack({ backend: new SqliteBackend({ path }) });
    one.namespace = 'keyv';
    two.namespace = 'keyv';
    const lock = await one.acquireLock('report', { ttlMs: 5_000 });
    expect(lock?.key).toBe('keyv:report');
    expect(await two.acquireLock('report', { ttlMs: 5_000 })).toBeUndefined();
    two.namespace = 'other';
    const otherNamespace = await two.acquireLock('report', { ttlMs: 5_000 });
    expect(otherNamespace).toBeDefined();
    await otherNamespace?.release();
    two.namespace = 'keyv';
    await lock?.release();
    const next = await two.acquireLock('report', { ttlMs: 5_000, waitMs: 1_000 });
    expect(next).toBeDefined();
    await next?.release();
    await one.disconnect();
    await two.disconnect();
  });

  it('acquireLock on a backend without locks: CapabilityNotAvailableError', async () => {
    const store = new KeyvCachestack({ backend: baseOnly(new MemoryBackend()) });
    await expect(store.acquireLock('k', { ttlMs: 1_000 })).rejects.toBeInstanceOf(
      CapabilityNotAvailableError,
    );
  });
});

describe('lifecycle and options', () => {
  it('disconnect() closes the backend unless closeOnDisconnect is false', async () => {
    const closing = keyvOver();
    await closing.keyv.disconnect();
    await expect(closing.backend.get('k')).rejects.toMatchObject({ code: 'CLOSED' });

    const backend = new MemoryBackend();
    const keyv = new Keyv({ store: new KeyvCachestack({ backend, closeOnDisconnect: false }) });
    await keyv.disconnect();
    expect(await backend.get('k')).toBeUndefined();
  });

  it('after the backend is closed, Keyv surfaces a PERMANENT CLOSED error', async () => {
    const { backend, keyv } = keyvOver(undefined, { throwOnErrors: true });
    await backend.close();
    await expect(keyv.get('k')).rejects.toMatchObject({ type: 'PERMANENT', code: 'CLOSED' });
  });

  it('a misspelt option throws a TypeError suggesting the right name', () => {
    const backend = new MemoryBackend();
    expect(() => new KeyvCachestack({ backend, closeOnDisconect: false } as never)).toThrow(
      new TypeError(
        'KeyvCachestack: unknown option "closeOnDisconect" (did you mean "closeOnDisconnect"?)',
      ),
    );
  });

  it('bad options throw a TypeError naming the option', () => {
    expect(() => new KeyvCachestack(undefined as never)).toThrow(TypeError);
    expect(() => new KeyvCachestack({ backend: new Map() as never })).toThrow(/option "backend"/);
    expect(
      () => new KeyvCachestack({ backend: new MemoryBackend(), closeOnDisconnect: 'no' as never }),
    ).toThrow(/option "closeOnDisconnect" must be a boolean/);
  });
});

describe('types', () => {
  it("is assignable to Keyv 5's KeyvStoreAdapter", () => {
    const adapter: KeyvStoreAdapter = new KeyvCachestack({ backend: new MemoryBackend() });
    expect(adapter.opts).toEqual({ dialect: 'redis', url: 'cachestack://' });
  });
});
