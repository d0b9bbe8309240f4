import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHttpDate } from '../src/index.js';
import {
  type CachedOrigin,
  MOUNTS,
  type SeenRequest,
  startCachedOrigin,
} from './origin-harness.js';
import { delay } from './support/test-app.js';

/**
 * The origin of these tests. Each path names its behaviour; `n` is how many
 * times the origin answered that path.
 */
const counts = new Map<string, number>();
function origin(request: Request): Response {
  const url = new URL(request.url);
  const path = url.pathname;
  const n = (counts.get(`${request.method} ${url.pathname}${url.search}`) ?? 0) + 1;
  counts.set(`${request.method} ${url.pathname}${url.search}`, n);
  const kind = path.split('/')[2] ?? '';
  const text = (body: string, headers: Record<string, string>, status = 200) =>
    new Response(status === 204 || status === 304 ? null : body, { status, headers });
  const now = Date.now();
  switch (kind) {
    case 'verbatim':
      return text(`v${n}`, {
        'Cache-Control': 'max-age=60, Public',
        Vary: 'Accept-Language, X-Custom',
        Date: formatHttpDate(now - 5_000),
        'X-Origin': 'kept',
      });
    case 'no-freshness':
      return text(`v${n}`, {});
    case 'aged':
      return text(`v${n}`, { 'Cache-Control': 'max-age=60', Age: '120' });
    case 'expires-past':
      return text(`v${n}`, { Expires: formatHttpDate(now - 60_000), Date: formatHttpDate(now) });
    case 'expires-future':
      return text(`v${n}`, { Expires: formatHttpDate(now + 60_000), Date: formatHttpDate(now) });
    case 'expires-invalid':
      return text(`v${n}`, { Expires: 'soon', 'Cache-Control': 'public' });
    case 'heuristic':
      return text(`v${n}`, { 'Last-Modified': formatHttpDate(now - 86_400_000) });
    case 'not-found':
      return text(`missing ${n}`, { 'Cache-Control': 'max-age=60' }, 404);
    case 'server-error':
      return text(`error ${n}`, { 'Cache-Control': 'max-age=60' }, 500);
    case 'validated': {
      // Always revalidated (no-cache); answers 304 to its ETag with an updated header.
      if (request.headers.get('if-none-match') === '"v1"') {
        return text('', { ETag: '"v1"', 'X-Version': `revalidated ${n}` }, 304);
      }
      return text(`body ${n}`, { 'Cache-Control': 'no-cache', ETag: '"v1"', 'X-Version': 'first' });
    }
    case 'must-revalidate':
      if (request.headers.get('if-modified-since') !== null) {
        return text('', { 'Cache-Control': 'max-age=1, must-revalidate' }, 304);
      }
      return text(`body ${n}`, {
        'Cache-Control': 'max-age=1, must-revalidate',
        'Last-Modified': formatHttpDate(now - 3_600_000),
      });
    case 'stale-if-error':
      if (n > 1) return text('down', {}, 503);
      return text(`body ${n}`, { 'Cache-Control': 'max-age=1, stale-if-error=60' });
    case 'swr':
      return text(`body ${n}`, { 'Cache-Control': 'max-age=1, stale-while-revalidate=60' });
    case 'fresh':
      return text(`body ${n}`, {
        'Cache-Control': 'max-age=60',
        'Content-Type': 'text/plain',
        ETag: `"e${path}"`,
      });
    case 'partial':
      return text('0123456789', { 'Cache-Control': 'max-age=60', 'Content-Type': 'text/plain' });
    case 'star':
      return text(`body ${n}`, { 'Cache-Control': 'max-age=60', Vary: '*' });
    case 'cdn':
      return text(`body ${n}`, { 'Cache-Control': 'no-store', 'CDN-Cache-Control': 'max-age=60' });
    case 'malformed':
      return text(`body ${n}`, {
        'Cache-Control': 'max-age=="60", , =, max-age=abc, \u00ff',
        Expires: 'not a date',
        Date: 'yesterday',
        Age: '-5',
        'Last-Modified': 'Feb 30',
        'X-Huge': 'x'.repeat(16_000),
      });
    case 'created':
      return text(
        'created',
        {
          Location: url.searchParams.get('location') ?? '/',
          'Content-Location': url.searchParams.get('content-location') ?? '/',
        },
        201,
      );
    default:
      return text('unknown', {}, 404);
  }
}

function runsOf(method: string, path: string): number {
  return counts.get(`${method} ${path}`) ?? 0;
}

for (const mount of MOUNTS) {
  describe(`${mount}: RFC 9111 shared cache over a real server`, () => {
    let app: CachedOrigin;
    beforeAll(async () => {
      app = await startCachedOrigin(mount, origin, { targetedCacheControl: ['cdn-cache-control'] });
    });
    afterAll(async () => {
      await app?.close();
    });
    const path = (kind: string, extra = '') => `/${mount}/${kind}${extra}`;
    const get = async (p: string, headers: Record<string, string> = {}, method = 'GET') => {
      const response = await fetch(`${app.baseUrl}${p}`, {
        method,
        headers,
        signal: AbortSignal.timeout(5_000),
      });
      return { response, body: await response.text() };
    };
    const seenFor = (p: string): SeenRequest[] => app.seen.filter((seen) => seen.path === p);

    it('forwards what the origin said and adds only Age', async () => {
      const p = path('verbatim');
      const first = await get(p, { 'accept-language': 'en' });
      const second = await get(p, { 'accept-language': 'en' });
      expect(second.body).toBe(first.body);
      expect(runsOf('GET', p)).toBe(1);
      for (const { response } of [first, second]) {
        expect(response.headers.get('cache-control')).toBe('max-age=60, Public');
        expect(response.headers.get('vary')).toBe('Accept-Language, X-Custom');
        expect(response.headers.get('x-origin')).toBe('kept');
        expect(response.headers.get('etag')).toBeNull();
      }
      expect(second.response.headers.get('date')).toBe(first.response.headers.get('date'));
      expect(Number(second.response.headers.get('age'))).toBeGreaterThanOrEqual(5);
    });

    it('stores nothing without freshness information (no default TTL)', async () => {
      const p = path('no-freshness');
      await get(p);
      expect((await get(p)).body).toBe('v2');
    });

    it('computes freshness from max-age, Age, Expires and Date', async () => {
      await get(path('aged'));
      expect((await get(path('aged'))).body).toBe('v2');
      await get(path('expires-past'));
      expect((await get(path('expires-past'))).body).toBe('v2');
      await get(path('expires-invalid'));
      expect((await get(path('expires-invalid'))).body).toBe('v2');
      await get(path('expires-future'));
      expect((await get(path('expires-future'))).body).toBe('v1');
    });

    it('uses heuristic freshness from Last-Modified and stores other statuses with explicit freshness', async () => {
      await get(path('heuristic'));
      expect((await get(path('heuristic'))).body).toBe('v1');
      await get(path('not-found'));
      const missing = await get(path('not-found'));
      expect([missing.response.status, missing.body]).toEqual([404, 'missing 1']);
    });

    it('revalidates upstream with If-None-Match and merges the 304 headers', async () => {
      const p = path('validated');
      const first = await get(p);
      expect(first.body).toBe('body 1');
      const second = await get(p);
      expect(second.response.status).toBe(200);
      expect(second.body).toBe('body 1');
      expect(second.response.headers.get('x-version')).toBe('revalidated 2');
      const conditional = seenFor(p)[1];
      expect(conditional?.headers.get('if-none-match')).toBe('"v1"');
      // The client's own validator is answered from the merged entry.
      const notModified = await get(p, { 'if-none-match': '"v1"', 'cache-control': 'max-age=60' });
      expect(notModified.response.status).toBe(304);
    });

    it('revalidates a stale must-revalidate response with If-Modified-Since', async () => {
      const p = path('must-revalidate');
      await get(p);
      await delay(1_100);
      const again = await get(p);
      expect(again.body).toBe('body 1');
      expect(seenFor(p)[1]?.headers.get('if-modified-since')).not.toBeNull();
    });

    it('honours request directives: only-if-cached, max-age=0, no-store, max-stale', async () => {
      const miss = await get(path('fresh', '?oic'), { 'cache-control': 'only-if-cached' });
      expect(miss.response.status).toBe(504);
      const p = path('fresh', '?directives');
      await get(p);
      expect((await get(p, { 'cache-control': 'max-age=0' })).body).toBe('body 2');
      expect((await get(p)).body).toBe('body 2');
      const q = path('fresh', '?nostore');
      await get(q, { 'cache-control': 'no-store' });
      expect((await get(q)).body).toBe('body 2');
      const hit = await get(q, { 'cache-control': 'only-if-cached' });
      expect([hit.response.status, hit.body]).toEqual([200, 'body 2']);
      const s = path('aged', '?maxstale');
      await get(s);
      expect((await get(s, { 'cache-control': 'max-stale=3600' })).body).toBe('v1');
    });

    it('serves stale on a 5xx within stale-if-error, and stale-while-revalidate', async () => {
      const p = path('stale-if-error');
      await get(p);
      await delay(1_100);
      const stale = await get(p);
      expect([stale.response.status, stale.body]).toEqual([200, 'body 1']);
      const s = path('swr');
      await get(s);
      await delay(1_100);
      // fetch-style and the proxy revalidate in the background; middleware inline.
      const served = await get(s);
      expect(['body 1', 'body 2']).toContain(served.body);
      await delay(100);
      expect(runsOf('GET', s)).toBe(2);
    });

    it('answers HEAD from a stored GET and forwards a cold HEAD as HEAD', async () => {
      const p = path('fresh', '?head');
      const full = await get(p);
      const head = await get(p, {}, 'HEAD');
      expect(head.body).toBe('');
      expect(head.response.headers.get('content-length')).toBe(String(full.body.length));
      expect(runsOf('GET', p)).toBe(1);
      const cold = path('fresh', '?cold-head');
      await get(cold, {}, 'HEAD');
      expect(seenFor(cold).map((seen) => seen.method)).toEqual(['HEAD']);
    });

    it('serves a byte range from a stored response and never stores a 206', async () => {
      const p = path('partial');
      await get(p);
      const range = await get(p, { range: 'bytes=2-4' });
      expect([range.response.status, range.body]).toEqual([206, '234']);
      expect(range.response.headers.get('content-range')).toBe('bytes 2-4/10');
      expect(runsOf('GET', p)).toBe(1);
    });

    it('never reuses Vary: *, and obeys CDN-Cache-Control when targeted', async () => {
      await get(path('star'));
      expect((await get(path('star'))).body).toBe('body 2');
      await get(path('cdn'));
      expect((await get(path('cdn'))).body).toBe('body 1');
    });

    it('invalidates the target, same-origin Location and Content-Location after an unsafe method', async () => {
      const target = path('fresh', '?after-post');
      await get(target);
      await get(target, {}, 'POST');
      expect((await get(target)).body).toBe('body 2');
      const location = path('fresh', '?location');
      const contentLocation = path('fresh', '?content-location');
      const elsewhere = `http://elsewhere.test${path('fresh', '?foreign')}`;
      for (const p of [location, contentLocation, path('fresh', '?foreign')]) await get(p);
      const query = new URLSearchParams({ location, 'content-location': contentLocation });
      expect((await get(path('created', `?${query}`), {}, 'PUT')).response.status).toBe(201);
      expect((await get(location)).body).toBe('body 2');
      expect((await get(contentLocation)).body).toBe('body 2');
      const foreign = new URLSearchParams({ location: elsewhere });
      await get(path('created', `?${foreign}`), {}, 'DELETE');
      expect((await get(path('fresh', '?foreign'))).body).toBe('body 1');
    });

    // Fastify routes only the methods it knows: M-SEARCH never reaches its hooks.
    if (mount !== 'fastify')
      it('invalidates on an unknown unsafe method (M-SEARCH)', async () => {
        const p = path('fresh', '?m-search');
        await get(p);
        const searched = await fetch(`${app.baseUrl}${p}`, { method: 'M-SEARCH' });
        await searched.text();
        expect((await get(p)).body).toBe('body 2');
      });

    it('handles malformed Cache-Control, invalid dates and huge headers without failing', async () => {
      const p = path('malformed');
      const first = await get(p);
      expect([first.response.status, first.body]).toEqual([200, 'body 1']);
      expect(first.response.headers.get('x-huge')?.length).toBe(16_000);
      expect((await get(p)).response.status).toBe(200);
    });
  });
}
