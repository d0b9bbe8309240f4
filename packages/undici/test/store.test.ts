import { isKeyIterable } from '@cachestack/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendCacheStore } from '../src/index.js';
import {
  type BackendKind,
  bodyText,
  keyFor,
  startBackendKind,
  valueFor,
  writeBody,
} from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(['memory', 'sqlite', 'redis'] as const)('BackendCacheStore over %s', (name) => {
  let kind: BackendKind;
  let namespaces = 0;
  beforeAll(async () => {
    kind = await startBackendKind(name);
  });
  afterAll(async () => {
    await kind?.stop();
  });
  const fresh = (options: { maxEntrySize?: number; maxVariantsPerPath?: number } = {}) => {
    const backend = kind.create(`ns${namespaces++}`);
    // A generous time limit: these tests are about behaviour and share the machine.
    return {
      backend,
      store: new BackendCacheStore({ backend, timeoutMs: 10_000, lockWaitMs: 10_000, ...options }),
    };
  };
  async function countResponses(store: BackendCacheStore): Promise<number> {
    const backend = store.backend;
    if (!isKeyIterable(backend)) throw new Error('test needs a key-iterable backend');
    let count = 0;
    for await (const _ of backend.keys('undici-cache:e:')) count++;
    return count;
  }

  it('stores a response and serves it to the same origin, method and path only', async () => {
    const { store } = fresh();
    expect(await store.get(keyFor('/a'))).toBeUndefined();
    const value = valueFor({ etag: '"v1"' });
    await writeBody(store.createWriteStream(keyFor('/a'), value), ['hello ', Buffer.from('world')]);
    const hit = await store.get(keyFor('/a'));
    expect(hit).toMatchObject({
      statusCode: 200,
      statusMessage: 'OK',
      headers: value.headers,
      etag: '"v1"',
      cacheControlDirectives: { 'max-age': 10 },
      cachedAt: value.cachedAt,
      staleAt: value.staleAt,
      deleteAt: value.deleteAt,
    });
    expect(await bodyText(hit)).toBe('hello world');
    expect(await store.get(keyFor('/b'))).toBeUndefined();
    expect(await store.get(keyFor('/a', {}, 'HEAD'))).toBeUndefined();
    expect(await store.get({ ...keyFor('/a'), origin: 'http://other.test' })).toBeUndefined();
    expect(await store.get(keyFor('/a?x=1'))).toBeUndefined();
  });

  it('a get made right after end() sees the write (no await in between)', async () => {
    const { store } = fresh();
    const stream = store.createWriteStream(keyFor('/now'), valueFor());
    stream.write('body');
    stream.end();
    expect(await bodyText(await store.get(keyFor('/now')))).toBe('body');
  });

  it('keeps one response per Vary variant and selects by the request headers', async () => {
    const { store } = fresh();
    const en = keyFor('/v', { 'accept-language': 'en' });
    const fr = keyFor('/v', { 'accept-language': 'fr' });
    await writeBody(store.createWriteStream(en, valueFor({ vary: { 'accept-language': 'en' } })), [
      'english',
    ]);
    await writeBody(store.createWriteStream(fr, valueFor({ vary: { 'accept-language': 'fr' } })), [
      'french',
    ]);
    const none = keyFor('/v');
    await writeBody(
      store.createWriteStream(none, valueFor({ vary: { 'accept-language': null } })),
      ['default'],
    );
    expect(await bodyText(await store.get(en))).toBe('english');
    expect(await bodyText(await store.get(fr))).toBe('french');
    expect(await bodyText(await store.get(none))).toBe('default');
    expect(await store.get(keyFor('/v', { 'accept-language': 'de' }))).toBeUndefined();
    expect((await store.get(en))?.vary).toEqual({ 'accept-language': 'en' });
  });

  it('a new response replaces the one the request matched, and its old value is removed', async () => {
    const { store } = fresh();
    await writeBody(store.createWriteStream(keyFor('/r'), valueFor()), ['old']);
    await writeBody(
      store.createWriteStream(
        keyFor('/r', { 'accept-language': 'en' }),
        valueFor({ vary: { 'accept-language': 'en' } }),
      ),
      ['new'],
    );
    // The unvaried response matched the request, so it was replaced: a French request misses.
    expect(await store.get(keyFor('/r', { 'accept-language': 'fr' }))).toBeUndefined();
    expect(await bodyText(await store.get(keyFor('/r', { 'accept-language': 'en' })))).toBe('new');
    expect(await countResponses(store)).toBe(1);
  });

  it('serves a stale response until deleteAt, then never', async () => {
    const { store } = fresh();
    const now = Date.now();
    await writeBody(
      store.createWriteStream(
        keyFor('/stale'),
        valueFor({ cachedAt: now - 5000, staleAt: now - 1000, deleteAt: now + 1500 }),
      ),
      ['stale body'],
    );
    expect(await bodyText(await store.get(keyFor('/stale')))).toBe('stale body');
    await sleep(1600);
    expect(await store.get(keyFor('/stale'))).toBeUndefined();
  });

  it('stores nothing for a response already past deleteAt', async () => {
    const { store } = fresh();
    const now = Date.now();
    await writeBody(
      store.createWriteStream(
        keyFor('/past'),
        valueFor({ cachedAt: now - 2000, staleAt: now - 1000, deleteAt: now - 1 }),
      ),
      ['x'],
    );
    expect(await store.get(keyFor('/past'))).toBeUndefined();
    expect(await countResponses(store)).toBe(0);
  });

  it('delete drops every method and variant of the origin and path, and nothing else', async () => {
    const { store } = fresh();
    await writeBody(
      store.createWriteStream(keyFor('/d', { a: '1' }), valueFor({ vary: { a: '1' } })),
      ['1'],
    );
    await writeBody(
      store.createWriteStream(keyFor('/d', { a: '2' }), valueFor({ vary: { a: '2' } })),
      ['2'],
    );
    await writeBody(store.createWriteStream(keyFor('/d', {}, 'HEAD'), valueFor()), ['']);
    await writeBody(store.createWriteStream(keyFor('/other'), valueFor()), ['keep']);
    await store.delete({ origin: 'http://origin.test', method: 'POST', path: '/d' });
    expect(await store.get(keyFor('/d', { a: '1' }))).toBeUndefined();
    expect(await store.get(keyFor('/d', { a: '2' }))).toBeUndefined();
    expect(await store.get(keyFor('/d', {}, 'HEAD'))).toBeUndefined();
    expect(await bodyText(await store.get(keyFor('/other')))).toBe('keep');
    expect(await countResponses(store)).toBe(1);
  });

  it('stores a body of exactly maxEntrySize bytes, and none larger (the stream is destroyed)', async () => {
    const { store } = fresh({ maxEntrySize: 6 });
    await writeBody(store.createWriteStream(keyFor('/fits'), valueFor()), ['abc', '123']);
    expect(await bodyText(await store.get(keyFor('/fits')))).toBe('abc123');
    const big = store.createWriteStream(keyFor('/big'), valueFor());
    await writeBody(big, ['abc', '1234']);
    expect(big.destroyed).toBe(true);
    expect(big.writableFinished).toBe(false);
    expect(await store.get(keyFor('/big'))).toBeUndefined();
    expect(await countResponses(store)).toBe(1);
  });

  it('an aborted write stores nothing and leaves the stored response as it was', async () => {
    const { store } = fresh();
    await writeBody(store.createWriteStream(keyFor('/abort'), valueFor()), ['first']);
    const stream = store.createWriteStream(keyFor('/abort'), valueFor());
    stream.on('error', () => {});
    stream.write('partial');
    stream.destroy(new Error('socket hang up'));
    await sleep(50);
    await store.flush();
    expect(await bodyText(await store.get(keyFor('/abort')))).toBe('first');
    expect(await countResponses(store)).toBe(1);
  });

  it('keeps at most maxVariantsPerPath responses per path, dropping the oldest', async () => {
    const { store } = fresh({ maxVariantsPerPath: 2 });
    for (const lang of ['en', 'fr', 'de']) {
      await writeBody(
        store.createWriteStream(keyFor('/many', { l: lang }), valueFor({ vary: { l: lang } })),
        [lang],
      );
    }
    expect(await store.get(keyFor('/many', { l: 'en' }))).toBeUndefined();
    expect(await bodyText(await store.get(keyFor('/many', { l: 'fr' })))).toBe('fr');
    expect(await bodyText(await store.get(keyFor('/many', { l: 'de' })))).toBe('de');
    expect(await countResponses(store)).toBe(2);
  });

  it('two stores writing different variants of one path at once keep both (index lock)', async () => {
    const { backend } = fresh();
    const a = new BackendCacheStore({ backend, timeoutMs: 10_000, lockWaitMs: 10_000 });
    const b = new BackendCacheStore({ backend, timeoutMs: 10_000, lockWaitMs: 10_000 });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 6; i++) {
      const store = i % 2 === 0 ? a : b;
      writes.push(
        writeBody(
          store.createWriteStream(
            keyFor('/race', { n: String(i) }),
            valueFor({ vary: { n: String(i) } }),
          ),
          [`v${i}`],
        ),
      );
    }
    await Promise.all(writes);
    for (let i = 0; i < 6; i++) {
      expect(await bodyText(await a.get(keyFor('/race', { n: String(i) })))).toBe(`v${i}`);
    }
  });
});
