import { createServer, type Server } from 'node:http';
import { createCache } from '@cachestack/cache';
import { MemoryBackend } from '@cachestack/memory';
import express from 'express';
import { afterEach, describe, expect, test } from 'vitest';
import { expressCache, HttpCache, type HttpCacheOptions } from '../src/index.js';
import { closeServer, listen } from './support/test-app.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real Express app behind a real server, with a shared engine over memory. */
async function start(options: Omit<HttpCacheOptions, 'cache'> = {}) {
  const backend = new MemoryBackend();
  const errors: unknown[] = [];
  const httpCache = new HttpCache({
    cache: createCache({ backend, namespace: 'http' }),
    onError: (error) => errors.push(error),
    ...options,
  });
  const runs = new Map<string, number>();
  const count = (path: string) => {
    const n = (runs.get(path) ?? 0) + 1;
    runs.set(path, n);
    return n;
  };
  const app = express();
  app.use(expressCache({ httpCache }));
  app.get('/products/:id', (req, res) => {
    res.set('Cache-Control', 'public, max-age=60');
    res.set('Surrogate-Key', `product:${req.params.id} products`);
    res.set('Vary', 'Accept-Language');
    res.send(`product ${req.params.id} run ${count(req.path)}`);
  });
  app.get(
    '/pages/:id',
    expressCache({
      httpCache,
      tags: (request) => [`page:${new URL(request.url).pathname.slice(7)}`],
    }),
    (req, res) => {
      res.set('Cache-Control', 'public, max-age=60');
      res.set('Cache-Tag', 'pages,site');
      res.send(`page ${req.params.id} run ${count(req.path)}`);
    },
  );
  app.get('/bad', expressCache({ httpCache, tags: () => [''] }), (req, res) => {
    res.set('Cache-Control', 'public, max-age=60');
    res.send(`bad run ${count(req.path)}`);
  });
  const server: Server = createServer(app);
  const base = await listen(server);
  cleanups.push(async () => {
    await closeServer(server);
    await backend.close();
  });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(base + path, { headers });
    return { text: await response.text(), headers: response.headers };
  };
  return { httpCache, get, errors };
}

describe('HTTP response tags', () => {
  test('Surrogate-Key tags: purge by tag re-runs exactly the tagged routes, every variant', async () => {
    const { httpCache, get } = await start();
    const first = await get('/products/1');
    expect(first.text).toBe('product 1 run 1');
    expect(first.headers.get('surrogate-key')).toBeNull(); // for this cache only
    expect((await get('/products/1', { 'accept-language': 'fr' })).text).toBe('product 1 run 2');
    expect((await get('/products/2')).text).toBe('product 2 run 1');
    const hit = await get('/products/1');
    expect(hit.text).toBe('product 1 run 1');
    expect(hit.headers.get('surrogate-key')).toBeNull();
    await httpCache.invalidateTags(['product:1']);
    expect((await get('/products/1')).text).toBe('product 1 run 3');
    expect((await get('/products/1', { 'accept-language': 'fr' })).text).toBe('product 1 run 4');
    expect((await get('/products/2')).text).toBe('product 2 run 1');
    await httpCache.invalidateTags(['products']);
    expect((await get('/products/2')).text).toBe('product 2 run 2');
  });

  test('route tags functions and comma-separated Cache-Tag headers', async () => {
    const { httpCache, get } = await start();
    expect((await get('/pages/a')).text).toBe('page a run 1');
    expect((await get('/pages/b')).text).toBe('page b run 1');
    await httpCache.invalidateTags(['page:a']);
    expect((await get('/pages/a')).text).toBe('page a run 2');
    expect((await get('/pages/b')).text).toBe('page b run 1');
    await httpCache.invalidateTags(['site']);
    expect((await get('/pages/b')).text).toBe('page b run 2');
  });

  test('forwardTagHeaders keeps the headers; tagHeaders: [] ignores them', async () => {
    const forwarding = await start({ forwardTagHeaders: true });
    expect((await forwarding.get('/products/1')).headers.get('surrogate-key')).toBe(
      'product:1 products',
    );
    expect((await forwarding.get('/products/1')).headers.get('surrogate-key')).toBe(
      'product:1 products',
    );
    const ignoring = await start({ tagHeaders: [] });
    await ignoring.get('/products/1');
    await ignoring.httpCache.invalidateTags(['product:1']);
    expect((await ignoring.get('/products/1')).text).toBe('product 1 run 1');
  });

  test('a bad tag: the response is answered but not stored, and reported as INVALID_TAG', async () => {
    const { get, errors, httpCache } = await start();
    expect((await get('/bad')).text).toBe('bad run 1');
    expect((await get('/bad')).text).toBe('bad run 2');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ code: 'INVALID_TAG', type: 'PERMANENT' });
    await expect(httpCache.invalidateTags([''])).rejects.toMatchObject({ code: 'INVALID_TAG' });
  });

  test('bad tag options are TypeErrors naming the option', () => {
    const cache = createCache({ backend: new MemoryBackend() });
    expect(() => new HttpCache({ cache, tags: ['a'] as never })).toThrow(/tags/);
    expect(() => new HttpCache({ cache, tagHeaders: 'surrogate-key' as never })).toThrow(
      /tagHeaders/,
    );
    expect(() => new HttpCache({ cache, forwardTagHeaders: 'yes' as never })).toThrow(
      /forwardTagHeaders/,
    );
  });
});
