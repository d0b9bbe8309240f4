import { Agent, type Dispatcher, fetch, interceptors, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackendCacheStore } from '../src/index.js';
import { type BackendKind, startBackendKind } from './helpers.js';
import { type Origin, startOrigin } from './origin.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(['memory', 'sqlite', 'redis'] as const)(
  "undici's cache interceptor over BackendCacheStore on %s",
  (name) => {
    let kind: BackendKind;
    let origin: Origin;
    let namespaces = 0;
    let failNext = false;
    const storeErrors: string[] = [];
    beforeAll(async () => {
      kind = await startBackendKind(name);
      origin = await startOrigin((req, res, hit) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (req.method === 'POST') {
          res.end('posted');
          return;
        }
        switch (url.pathname) {
          case '/fresh':
            res.setHeader('cache-control', 'max-age=60');
            res.end(`fresh ${hit}`);
            return;
          case '/vary':
            res.setHeader('cache-control', 'max-age=60');
            res.setHeader('vary', 'accept-language');
            res.end(`${req.headers['accept-language'] ?? 'none'} ${hit}`);
            return;
          case '/swr':
            res.setHeader('cache-control', 'max-age=1, stale-while-revalidate=30');
            res.end(`swr ${hit}`);
            return;
          case '/sie':
            if (failNext) {
              res.statusCode = 500;
              res.end('origin down');
              return;
            }
            res.setHeader('cache-control', 'max-age=1, stale-if-error=30');
            res.end(`sie ${hit}`);
            return;
          case '/etag':
            // deleteAt is staleAt plus the freshness lifetime: stale after 3 s, kept for 6 s.
            res.setHeader('cache-control', 'max-age=3');
            res.setHeader('etag', '"v1"');
            if (req.headers['if-none-match'] === '"v1"') {
              res.statusCode = 304;
              res.end();
              return;
            }
            res.end(`etag ${hit}`);
            return;
          case '/big':
            res.setHeader('cache-control', 'max-age=60');
            res.end('x'.repeat(100));
            return;
          case '/abort':
            res.setHeader('cache-control', 'max-age=60');
            if (hit === 1) {
              res.setHeader('content-length', '1000');
              res.write('a'.repeat(200));
              setTimeout(() => req.socket.destroy(), 20);
              return;
            }
            res.end('complete');
            return;
          default:
            res.statusCode = 404;
            res.end();
        }
      });
    });
    afterEach(() => {
      expect(storeErrors, 'store errors').toEqual([]);
    });
    afterAll(async () => {
      await origin?.close();
      await kind?.stop();
    });

    async function client(options: { maxEntrySize?: number; type?: 'shared' | 'private' } = {}) {
      const store = new BackendCacheStore({
        backend: kind.create(`i${namespaces++}`),
        maxEntrySize: options.maxEntrySize,
        // Generous: these tests are about behaviour, and share the machine.
        timeoutMs: 10_000,
        onError: (error) => storeErrors.push(error.message),
      });
      const dispatcher = new Agent().compose(
        interceptors.cache({ store, methods: ['GET', 'HEAD'], type: options.type ?? 'shared' }),
      );
      const get = async (
        path: string,
        headers: Record<string, string> = {},
        method: Dispatcher.HttpMethod = 'GET',
      ) => {
        const response = await request(`${origin.url}${path}`, { dispatcher, headers, method });
        const body = await response.body.text();
        return { status: response.statusCode, headers: response.headers, body };
      };
      return { store, dispatcher, get };
    }

    it('a second request is served from the store (origin hit once), with an Age header', async () => {
      const { get, dispatcher } = await client();
      const first = await get('/fresh');
      const second = await get('/fresh');
      expect(first.body).toBe('fresh 1');
      expect(second.body).toBe('fresh 1');
      expect(second.headers.age).toBeDefined();
      // undici's fetch takes the same dispatcher.
      const third = await fetch(`${origin.url}/fresh`, { dispatcher });
      expect(await third.text()).toBe('fresh 1');
      expect(origin.hitsOf('/fresh')).toBe(1);
      await dispatcher.close();
    });

    it('Vary: each language is fetched once and served to matching requests only', async () => {
      const { get, dispatcher } = await client();
      const before = origin.hitsOf('/vary');
      expect((await get('/vary', { 'accept-language': 'en' })).body).toMatch(/^en /);
      expect((await get('/vary', { 'accept-language': 'fr' })).body).toMatch(/^fr /);
      expect((await get('/vary', { 'accept-language': 'en' })).body).toMatch(/^en /);
      expect((await get('/vary', { 'accept-language': 'fr' })).body).toMatch(/^fr /);
      expect(origin.hitsOf('/vary') - before).toBe(2);
      await dispatcher.close();
    });

    it('stale-while-revalidate: the stale response is served at once and refreshed behind it', async () => {
      const { get, store, dispatcher } = await client();
      const before = origin.hitsOf('/swr');
      expect((await get('/swr')).body).toBe(`swr ${before + 1}`);
      await sleep(2100);
      const stale = await get('/swr');
      expect(stale.body).toBe(`swr ${before + 1}`);
      expect(stale.headers.warning).toMatch(/stale/);
      for (let i = 0; i < 50 && origin.hitsOf('/swr') < before + 2; i++) await sleep(20);
      await store.flush();
      expect((await get('/swr')).body).toBe(`swr ${before + 2}`);
      expect(origin.hitsOf('/swr')).toBe(before + 2);
      await dispatcher.close();
    });

    it('stale-if-error: a stale response stands in for an origin error', async () => {
      const { get, dispatcher } = await client();
      const first = await get('/sie');
      await sleep(2100);
      failNext = true;
      try {
        const fallback = await get('/sie');
        expect(fallback.status).toBe(200);
        expect(fallback.body).toBe(first.body);
      } finally {
        failNext = false;
      }
      await dispatcher.close();
    });

    it('revalidates a stale response with If-None-Match and serves the stored body on 304', async () => {
      const { get, dispatcher } = await client();
      const before = origin.hitsOf('/etag');
      const first = await get('/etag');
      await sleep(3200);
      const revalidated = await get('/etag');
      expect(revalidated.status).toBe(200);
      expect(revalidated.body).toBe(first.body);
      expect(origin.hitsOf('/etag')).toBe(before + 2);
      expect(origin.requests.at(-1)?.headers['if-none-match']).toBe('"v1"');
      await dispatcher.close();
    });

    it('an unsafe method (POST) deletes the stored response of its path', async () => {
      const { get, store, dispatcher } = await client();
      const path = '/fresh?post';
      await get(path);
      await get(path);
      expect(origin.hitsOf(path)).toBe(1);
      await get(path, {}, 'POST');
      await store.flush();
      await get(path);
      expect(origin.hitsOf(path)).toBe(3);
      await dispatcher.close();
    });

    it('a body over maxEntrySize is passed through but not stored', async () => {
      const { get, dispatcher } = await client({ maxEntrySize: 10 });
      const before = origin.hitsOf('/big');
      expect((await get('/big')).body).toHaveLength(100);
      expect((await get('/big')).body).toHaveLength(100);
      expect(origin.hitsOf('/big')).toBe(before + 2);
      await dispatcher.close();
    });

    it('a response cut off mid-body (socket destroyed) stores nothing', async () => {
      const { get, store, dispatcher } = await client();
      await expect(get('/abort')).rejects.toThrow();
      await store.flush();
      const key = { origin: origin.url, method: 'GET', path: '/abort', headers: {} };
      expect(await store.get(key)).toBeUndefined();
      expect((await get('/abort')).body).toBe('complete');
      expect(origin.hitsOf('/abort')).toBe(2);
      await dispatcher.close();
    });
  },
);
