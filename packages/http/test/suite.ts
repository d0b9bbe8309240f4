import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIG_CHUNK_BYTES, BIG_CHUNKS, bigChunk, delay, type TestApp } from './support/test-app.js';

/** Registers the shared behaviour tests against one framework's app. */
export function describeHttpCacheSuite(name: string, start: () => Promise<TestApp>): void {
  describe(`${name}: HTTP caching over a real server`, () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await start();
    });
    afterAll(async () => {
      await app.close();
    });
    const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
      fetch(`${app.baseUrl}${path}`, { method, headers });
    const runs = (route: string) => app.counts.get(route) ?? 0;
    // fetch adds `Cache-Control: no-cache` to requests with conditional headers unless the
    // request has its own Cache-Control; this one lets the cache answer from storage.
    const conditional = (headers: Record<string, string>) => ({
      'cache-control': 'max-age=3600',
      ...headers,
    });

    it('serves the second GET from the cache with Age, adding no ETag or Cache-Control', async () => {
      const first = await get('/items/1');
      const firstBody = await first.text();
      expect(first.status).toBe(200);
      const second = await get('/items/1');
      expect(await second.text()).toBe(firstBody);
      expect(runs('items:1')).toBe(1);
      expect(second.headers.get('etag')).toBeNull();
      expect(second.headers.get('cache-control')).toBeNull();
      expect(Number(second.headers.get('age'))).toBeGreaterThanOrEqual(0);
      expect(second.headers.get('content-type')).toMatch(/text\/plain/);
    });

    it('keys the URL as sent: another query order is another resource', async () => {
      await (await get('/items/2?b=2&a=1')).text();
      await (await get('/items/2?b=2&a=1')).text();
      expect(runs('items:2')).toBe(1);
      await (await get('/items/2?a=1&b=2')).text();
      expect(runs('items:2')).toBe(2);
    });

    it('serves HEAD from a cached GET, and forwards a cold HEAD without storing it', async () => {
      const body = await (await get('/items/3')).text();
      const head = await get('/items/3', {}, 'HEAD');
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
      expect(runs('items:3')).toBe(1);
      const coldHead = await get('/items/4', {}, 'HEAD');
      expect(await coldHead.text()).toBe('');
      const afterHead = await get('/items/4');
      expect(await afterHead.text()).toBe('item 4 run 2');
    });

    it("answers If-None-Match with 304 from the origin's ETag, weak comparison, lists and *", async () => {
      const first = await get('/etag');
      await first.text();
      const tag = first.headers.get('etag') as string;
      expect(tag).toBe('W/"v1"');
      for (const condition of [tag, `"nope", ${tag}`, '*', '"v1"']) {
        const response = await get('/etag', conditional({ 'if-none-match': condition }));
        expect(response.status, condition).toBe(304);
        expect(await response.text()).toBe('');
        expect(response.headers.get('etag')).toBe(tag);
      }
      const other = await get('/etag', conditional({ 'if-none-match': '"other"' }));
      expect(other.status).toBe(200);
      expect(await other.text()).toBe('etag run 1');
      expect(runs('etag')).toBe(1);
    });

    it('passes If-Match requests to the handler untouched', async () => {
      await (await get('/items/6')).text();
      const response = await get('/items/6', conditional({ 'if-match': '"other"' }));
      await response.text();
      expect(runs('items:6')).toBe(2);
    });

    it('keeps one representation per Vary header value', async () => {
      const en = await (await get('/vary', { 'accept-language': 'en' })).text();
      const fr = await (await get('/vary', { 'accept-language': 'fr' })).text();
      expect([en, fr]).toEqual(['lang en', 'lang fr']);
      expect(runs('vary')).toBe(2);
      const enAgain = await get('/vary', { 'accept-language': 'en' });
      expect(await enAgain.text()).toBe('lang en');
      expect(enAgain.headers.get('vary')).toMatch(/accept-language/i);
      expect(await (await get('/vary', { 'accept-language': 'fr' })).text()).toBe('lang fr');
      expect(runs('vary')).toBe(2);
    });

    it('evicts a URL (every Vary variant) after a successful POST or DELETE, not after a failure', async () => {
      await (await get('/items/7')).text();
      expect((await get('/items/7', { 'x-fail': '1' }, 'POST')).status).toBe(500);
      await (await get('/items/7')).text();
      expect(runs('items:7')).toBe(1);
      expect((await get('/items/7', {}, 'POST')).status).toBe(201);
      expect(await (await get('/items/7')).text()).toBe('item 7 run 2');
      expect((await get('/items/7', {}, 'DELETE')).status).toBe(204);
      expect(await (await get('/items/7')).text()).toBe('item 7 run 3');

      const before = runs('vary');
      await (await get('/vary', { 'accept-language': 'de' })).text();
      await (await get('/vary', { 'accept-language': 'it' })).text();
      expect(runs('vary')).toBe(before + 2);
      expect((await get('/vary', {}, 'POST')).status).toBe(201);
      await (await get('/vary', { 'accept-language': 'de' })).text();
      await (await get('/vary', { 'accept-language': 'it' })).text();
      expect(runs('vary')).toBe(before + 4);
    });

    it('does not cache no-store, private, Set-Cookie, Vary: *, max-age=0 or error responses', async () => {
      for (const path of ['/nostore', '/private', '/cookie', '/star', '/maxage0', '/missing']) {
        const route = path.slice(1);
        const first = await get(path);
        await first.text();
        await (await get(path)).text();
        expect(runs(route), path).toBe(2);
        if (path === '/cookie') expect(first.headers.get('set-cookie')).toBe('session=abc');
      }
    });

    it('bypasses the cache for requests with Authorization', async () => {
      await (await get('/items/8', { authorization: 'Bearer a' })).text();
      await (await get('/items/8', { authorization: 'Bearer a' })).text();
      expect(runs('items:8')).toBe(2);
      await (await get('/items/8')).text();
      await (await get('/items/8')).text();
      expect(runs('items:8')).toBe(3);
      expect(await (await get('/items/8', { authorization: 'Bearer b' })).text()).toBe(
        'item 8 run 4',
      );
    });

    it('revalidates on request Cache-Control: no-cache and stores the refreshed response', async () => {
      expect(await (await get('/items/9')).text()).toBe('item 9 run 1');
      expect(await (await get('/items/9', { 'cache-control': 'no-cache' })).text()).toBe(
        'item 9 run 2',
      );
      expect(await (await get('/items/9')).text()).toBe('item 9 run 2');
      expect(runs('items:9')).toBe(2);
    });

    it('runs the handler once for 20 concurrent misses', async () => {
      const bodies = await Promise.all(
        Array.from({ length: 20 }, async () => (await get('/slow')).text()),
      );
      expect(new Set(bodies)).toEqual(new Set(['slow run 1']));
      expect(runs('slow')).toBe(1);
    });

    it('streams bodies above maxBodyBytes through uncached and intact', async () => {
      for (let attempt = 1; attempt <= 2; attempt++) {
        const response = await get('/big');
        const bytes = new Uint8Array(await response.arrayBuffer());
        expect(bytes.byteLength).toBe(BIG_CHUNKS * BIG_CHUNK_BYTES);
        for (const index of [0, 1, 15, BIG_CHUNKS - 1]) {
          expect(bytes.subarray(index * BIG_CHUNK_BYTES, (index + 1) * BIG_CHUNK_BYTES)).toEqual(
            bigChunk(index),
          );
        }
        expect(response.headers.get('etag')).toBeNull();
      }
      expect(runs('big')).toBe(2);
    });

    it('reports Age as entries get older and honours the handler max-age', async () => {
      await (await get('/items/10')).text();
      await (await get('/short')).text();
      await delay(1100);
      const aged = await get('/items/10');
      await aged.text();
      expect(Number(aged.headers.get('age'))).toBeGreaterThanOrEqual(1);
      expect(aged.headers.get('cache-control')).toBeNull();
      expect(runs('items:10')).toBe(1);
      expect(await (await get('/short')).text()).toBe('short run 2');
    });
  });
}
