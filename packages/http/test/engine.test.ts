import { createCache } from '@cachestack/cache';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheHandler, createReverseProxy, HttpCache, normalizeUrl } from '../src/index.js';

const backends: MemoryBackend[] = [];
function freshCache() {
  const backend = new MemoryBackend();
  backends.push(backend);
  return { backend, cache: createCache({ backend, namespace: 'http' }) };
}
afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

const request = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  new Request(`http://example.test${path}`, { method, headers });

describe('HttpCache engine', () => {
  it('a misspelt option is a TypeError suggesting the known one, everywhere options are taken', () => {
    const { cache } = freshCache();
    expect(() => new HttpCache({ cache, ttlMS: 5 } as never)).toThrow(
      new TypeError('HttpCache: unknown option "ttlMS" (did you mean "ttlMs"?)'),
    );
    const engine = new HttpCache({ cache });
    expect(() => engine.route({ vari: ['accept'] } as never)).toThrow(
      new TypeError('HttpCache route: unknown option "vari" (did you mean "vary"?)'),
    );
    expect(() => cacheHandler(() => new Response('x'), { cache, maxBodyByte: 5 } as never)).toThrow(
      new TypeError('cache options: unknown option "maxBodyByte" (did you mean "maxBodyBytes"?)'),
    );
    expect(() =>
      createReverseProxy({ upstream: 'http://127.0.0.1:1', upstreamTimeoutMS: 5 } as never),
    ).toThrow(
      new TypeError(
        'createReverseProxy: unknown option "upstreamTimeoutMS" (did you mean "upstreamTimeoutMs"?)',
      ),
    );
    expect(() =>
      createReverseProxy({
        upstream: 'http://127.0.0.1:1',
        httpCache: engine,
        route: { tll: 5 },
      } as never),
    ).toThrow(/HttpCache route: unknown option "tll"/);
  });

  it('validates options with errors that name the option', () => {
    const { cache } = freshCache();
    expect(() => new HttpCache({ cache, ttlMs: 0 })).toThrow(/ttlMs/);
    expect(() => new HttpCache({ cache, maxBodyBytes: -1 })).toThrow(/maxBodyBytes/);
    expect(() => new HttpCache({ cache, vary: ['*'] })).toThrow(/vary/);
    expect(() => new HttpCache({ cache, staleRetentionMs: -1 })).toThrow(/staleRetentionMs/);
    expect(() => new HttpCache({ cache, key: 'url' as never })).toThrow(/key/);
    expect(() => new HttpCache({ cache, targetedCacheControl: 'cdn' as never })).toThrow(
      /targetedCacheControl/,
    );
    // Removed options fail with a hint rather than being ignored.
    expect(() => new HttpCache({ cache, visibility: 'public' } as never)).toThrow(/visibility/);
    expect(() => new HttpCache({ cache, allowAuthorization: true } as never)).toThrow(
      /allowAuthorization.*vary/,
    );
    expect(() => new HttpCache({ cache, allowSetCookie: 'yes' as unknown as boolean })).toThrow(
      /allowSetCookie/,
    );
    expect(() => new HttpCache({ cache: {} as typeof cache })).toThrow(/cache/);
    expect(() => cacheHandler(() => new Response('x'), {})).toThrow(/httpCache or cache/);
  });

  it('buffers at most about maxBodyBytes of a large body before streaming it through', async () => {
    const { cache } = freshCache();
    const chunkBytes = 10_000;
    const totalChunks = 1_000;
    let pulled = 0;
    const handler = cacheHandler(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (pulled === totalChunks) controller.close();
              else controller.enqueue(new Uint8Array(chunkBytes).fill(pulled++ % 256));
            },
          }),
        ),
      { cache, maxBodyBytes: 100_000 },
    );
    const response = await handler(request('/stream'));
    expect(pulled).toBeLessThanOrEqual(13);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.byteLength).toBe(chunkBytes * totalChunks);
    expect(bytes[chunkBytes * 999]).toBe(999 % 256);
    expect(pulled).toBe(totalChunks);
  });

  it('passes event streams straight through without waiting for their end', async () => {
    const { cache } = freshCache();
    const handler = cacheHandler(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('data: 1\n\n'));
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
      { cache },
    );
    const response = await handler(request('/events'));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: 1\n\n');
    await reader.cancel();
  });

  it('caches Set-Cookie responses only when allowed, never replaying the cookies', async () => {
    const { cache } = freshCache();
    let runs = 0;
    const handler = cacheHandler(
      () =>
        new Response(`run ${++runs}`, {
          headers: { 'set-cookie': 'a=b', 'cache-control': 'max-age=60' },
        }),
      { cache, allowSetCookie: true },
    );
    const first = await handler(request('/c'));
    expect(await first.text()).toBe('run 1');
    expect(first.headers.get('set-cookie')).toBe('a=b');
    const second = await handler(request('/c'));
    expect(await second.text()).toBe('run 1');
    expect(second.headers.get('set-cookie')).toBeNull();
    expect(runs).toBe(1);
  });

  it('keys route-level vary headers without rewriting the Vary the origin sent', async () => {
    const { cache } = freshCache();
    const httpCache = new HttpCache({ cache, vary: ['x-tenant'], ttlMs: 60_000 });
    let runs = 0;
    const handler = cacheHandler(
      (incoming) =>
        new Response(
          `${incoming.headers.get('x-tenant')} ${incoming.headers.get('accept')} ${++runs}`,
          { headers: { vary: 'Accept' } },
        ),
      { httpCache },
    );
    const a = await handler(request('/v', { 'x-tenant': 'a', accept: 'text/html' }));
    expect(a.headers.get('vary')).toBe('Accept');
    await handler(request('/v', { 'x-tenant': 'b', accept: 'text/html' }));
    await handler(request('/v', { 'x-tenant': 'a', accept: 'application/json' }));
    expect(
      await (await handler(request('/v', { 'x-tenant': 'a', accept: 'text/html' }))).text(),
    ).toBe('a text/html 1');
    expect(runs).toBe(3);
    await httpCache.invalidate('http://EXAMPLE.test/v');
    await handler(request('/v', { 'x-tenant': 'a', accept: 'text/html' }));
    expect(runs).toBe(4);
  });

  it('uses a route key function, and bypasses the cache when it returns undefined', async () => {
    const { cache } = freshCache();
    let runs = 0;
    const handler = cacheHandler(
      (incoming) => new Response(`${new URL(incoming.url).search} ${++runs}`),
      {
        cache,
        ttlMs: 60_000,
        key: (incoming) =>
          incoming.headers.has('x-no-cache') ? undefined : normalizeUrl(incoming.url),
      },
    );
    expect(await (await handler(request('/k?b=2&a=1'))).text()).toBe('?b=2&a=1 1');
    expect(await (await handler(request('/k?a=1&b=2'))).text()).toBe('?b=2&a=1 1');
    expect(await (await handler(request('/k?a=1&b=2', { 'x-no-cache': '1' }))).text()).toBe(
      '?a=1&b=2 2',
    );
  });

  it('evicts after successful PUT and PATCH, not after a 404 DELETE', async () => {
    const { cache } = freshCache();
    let runs = 0;
    const handler = cacheHandler(
      (incoming) =>
        incoming.method === 'GET'
          ? new Response(`run ${++runs}`)
          : new Response(null, { status: incoming.method === 'DELETE' ? 404 : 200 }),
      { cache, ttlMs: 60_000 },
    );
    const read = async () => (await handler(request('/r?x=1'))).text();
    expect(await read()).toBe('run 1');
    await handler(request('/r?x=1', {}, 'DELETE'));
    expect(await read()).toBe('run 1');
    await handler(request('/r?x=1', {}, 'PUT'));
    expect(await read()).toBe('run 2');
    await handler(request('/r?x=1', {}, 'PATCH'));
    expect(await read()).toBe('run 3');
    expect(await read()).toBe('run 3');
  });

  it('serves from the handler and reports the error when the store fails', async () => {
    const { cache, backend } = freshCache();
    const errors: unknown[] = [];
    let runs = 0;
    const handler = cacheHandler(() => new Response(`run ${++runs}`), {
      cache,
      ttlMs: 60_000,
      onError: (error) => errors.push(error),
    });
    await backend.close();
    expect(await (await handler(request('/down'))).text()).toBe('run 1');
    expect(await (await handler(request('/down'))).text()).toBe('run 2');
    expect(errors.length).toBeGreaterThan(0);
    expect((errors[0] as { code?: string }).code).toBe('CLOSED');
  });

  it('propagates handler errors to every concurrent waiter without caching them', async () => {
    const { cache } = freshCache();
    let runs = 0;
    const handler = cacheHandler(
      async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (runs === 1) throw new Error('boom');
        return new Response('ok');
      },
      { cache },
    );
    const results = await Promise.allSettled([handler(request('/e')), handler(request('/e'))]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(await (await handler(request('/e'))).text()).toBe('ok');
    expect(runs).toBe(2);
  });
});
