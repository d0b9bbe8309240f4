import { describe, expect, it } from 'vitest';
import { responseDirectives } from '../src/freshness.js';
import { DEFAULT_ROUTE_OPTIONS, parseRequestDirectives } from '../src/index.js';
import { invalidationTargets, isUnsafeMethod } from '../src/invalidation.js';
import { decideReuse, mayServeOnError } from '../src/reuse-policy.js';
import { decideStorage } from '../src/storage-policy.js';

const route = { ...DEFAULT_ROUTE_OPTIONS, vary: [] as string[] };

function storage(
  responseHeaders: Record<string, string>,
  requestHeaders: Record<string, string> = {},
  status = 200,
  options: Partial<typeof route> = {},
) {
  const response = new Response(null, {
    status: status === 204 ? 204 : status,
    headers: responseHeaders,
  });
  const headers = new Headers(responseHeaders);
  const facts = { status, headers, ...responseDirectives(headers, []), responseTime: Date.now() };
  return decideStorage(new Headers(requestHeaders), false, response, facts, {
    ...route,
    ...options,
  });
}

describe('storage decision (RFC 9111 §3)', () => {
  it('stores explicit freshness on any final status, heuristically cacheable ones with a validator', () => {
    expect(storage({ 'cache-control': 'max-age=60' }, {}, 500).store).toBe(true);
    expect(storage({ etag: '"a"' }).store).toBe(true);
    expect(storage({}).store).toBe(false);
    expect(storage({ etag: '"a"' }, {}, 500).store).toBe(false);
  });

  it('never stores no-store, private, Vary: *, 206, Set-Cookie (by default)', () => {
    expect(storage({ 'cache-control': 'max-age=60, no-store' }).store).toBe(false);
    expect(storage({ 'cache-control': 'private, max-age=60' }).store).toBe(false);
    expect(storage({ 'cache-control': 'max-age=60', vary: 'Accept, *' }).store).toBe(false);
    expect(
      storage({ 'cache-control': 'max-age=60', 'content-range': 'bytes 0-1/2' }, {}, 206).store,
    ).toBe(false);
    expect(storage({ 'cache-control': 'max-age=60', 'set-cookie': 'a=b' }).store).toBe(false);
    expect(
      storage({ 'cache-control': 'max-age=60', 'set-cookie': 'a=b' }, {}, 200, {
        allowSetCookie: true,
      }).store,
    ).toBe(true);
  });

  it('lets must-understand override no-store only for statuses it implements', () => {
    const cc = { 'cache-control': 'max-age=60, no-store, must-understand' };
    expect(storage(cc).store).toBe(true);
    expect(storage(cc, {}, 599).store).toBe(false);
  });

  it('stores a response to credentials only when it allows sharing or is keyed on them', () => {
    const credentials: Record<string, string>[] = [
      { authorization: 'Bearer a' },
      { cookie: 'sid=a' },
    ];
    for (const credential of credentials) {
      expect(storage({ 'cache-control': 'max-age=60' }, credential).store).toBe(false);
      for (const allowing of ['public, max-age=60', 's-maxage=60', 'max-age=60, must-revalidate']) {
        expect(storage({ 'cache-control': allowing }, credential).store, allowing).toBe(true);
      }
      const name = Object.keys(credential)[0] as string;
      expect(storage({ 'cache-control': 'max-age=60', vary: name }, credential).store).toBe(true);
      expect(
        storage({ 'cache-control': 'max-age=60' }, credential, 200, { vary: [name] }).store,
      ).toBe(true);
      expect(
        storage({ 'cache-control': 'max-age=60' }, credential, 200, { key: () => 'k' }).store,
      ).toBe(true);
    }
  });
});

describe('reuse decision (RFC 9111 §4.2–4.3, §5.2.1, RFC 5861)', () => {
  const reuse = (
    cc: string,
    ageMs: number,
    lifetimeMs: number,
    request: Record<string, string> = {},
  ) =>
    decideReuse(
      {
        ageMs,
        lifetimeMs,
        directives: responseDirectives(new Headers({ 'cache-control': cc }), []).directives,
      },
      parseRequestDirectives(new Headers(request)),
    );

  it('serves fresh, revalidates stale and no-cache', () => {
    expect(reuse('max-age=60', 1_000, 60_000)).toBe('serve');
    expect(reuse('max-age=60', 61_000, 60_000)).toBe('revalidate');
    expect(reuse('no-cache', 0, 60_000)).toBe('revalidate');
  });

  it('honours request max-age, min-fresh, max-stale and no-cache', () => {
    expect(reuse('max-age=60', 10_000, 60_000, { 'cache-control': 'max-age=5' })).toBe(
      'revalidate',
    );
    expect(reuse('max-age=60', 10_000, 60_000, { 'cache-control': 'min-fresh=55' })).toBe(
      'revalidate',
    );
    expect(reuse('max-age=60', 70_000, 60_000, { 'cache-control': 'max-stale=20' })).toBe('serve');
    expect(
      reuse('max-age=60, must-revalidate', 70_000, 60_000, { 'cache-control': 'max-stale' }),
    ).toBe('revalidate');
    expect(reuse('max-age=60', 0, 60_000, { pragma: 'no-cache' })).toBe('revalidate');
  });

  it('serves stale while revalidating within stale-while-revalidate, never past must-revalidate', () => {
    expect(reuse('max-age=60, stale-while-revalidate=30', 70_000, 60_000)).toBe(
      'serve-stale-revalidate',
    );
    expect(reuse('max-age=60, stale-while-revalidate=5', 70_000, 60_000)).toBe('revalidate');
    expect(reuse('s-maxage=60, stale-while-revalidate=30', 70_000, 60_000)).toBe('revalidate');
  });

  it('allows stale-if-error from the response or the request, never with proxy-revalidate', () => {
    const facts = (cc: string) => ({
      ageMs: 70_000,
      lifetimeMs: 60_000,
      directives: responseDirectives(new Headers({ 'cache-control': cc }), []).directives,
    });
    const none = parseRequestDirectives(new Headers());
    expect(mayServeOnError(facts('max-age=60, stale-if-error=30'), none)).toBe(true);
    expect(mayServeOnError(facts('max-age=60'), none)).toBe(false);
    expect(
      mayServeOnError(
        facts('max-age=60'),
        parseRequestDirectives(new Headers({ 'cache-control': 'stale-if-error=30' })),
      ),
    ).toBe(true);
    expect(mayServeOnError(facts('max-age=60, proxy-revalidate, stale-if-error=30'), none)).toBe(
      false,
    );
  });
});

describe('invalidation (RFC 9111 §4.4)', () => {
  it('treats every method but GET, HEAD, OPTIONS, TRACE as unsafe', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'M-SEARCH', 'PURGE'])
      expect(isUnsafeMethod(method)).toBe(true);
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE'])
      expect(isUnsafeMethod(method)).toBe(false);
  });

  it('invalidates the target and same-origin Location / Content-Location on 2xx/3xx only', () => {
    const request = new Request('http://a.test/items/1', { method: 'POST' });
    const response = new Response(null, {
      status: 201,
      headers: { location: '/items/2', 'content-location': 'http://b.test/items/3' },
    });
    expect(invalidationTargets(request, response)).toEqual([
      'http://a.test/items/1',
      'http://a.test/items/2',
    ]);
    expect(invalidationTargets(request, new Response(null, { status: 500 }))).toEqual([]);
    const malformed = new Response(null, { status: 200, headers: { location: 'http://[bad' } });
    expect(invalidationTargets(request, malformed)).toEqual(['http://a.test/items/1']);
  });
});
