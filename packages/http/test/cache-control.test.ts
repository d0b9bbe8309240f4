import { describe, expect, it } from 'vitest';
import {
  directiveSecondsMs,
  normalizeUrl,
  parseAgeMs,
  parseCacheControl,
  parseRequestDirectives,
  urlKey,
} from '../src/index.js';
import { parseTargetedCacheControl } from '../src/targeted-cache-control.js';

describe('Cache-Control parsing (RFC 9111 §5.2)', () => {
  it('lowercases names, unquotes arguments and keeps the first duplicate', () => {
    const directives = parseCacheControl(
      'Public, MAX-AGE=60, s-maxage="120", private="set-cookie, x", max-age=5, no-store',
    );
    expect(directives.get('public')).toBe(true);
    expect(directives.get('max-age')).toBe('60');
    expect(directives.get('s-maxage')).toBe('120');
    expect(directives.get('private')).toBe('set-cookie, x');
    expect(directives.get('no-store')).toBe(true);
    expect(parseCacheControl(null).size).toBe(0);
  });

  it('reads delta-seconds in ms, caps them at 2^31 s and rejects malformed ones', () => {
    expect(directiveSecondsMs(parseCacheControl('max-age=60'), 'max-age')).toBe(60_000);
    expect(directiveSecondsMs(parseCacheControl('max-age=0'), 'max-age')).toBe(0);
    expect(directiveSecondsMs(parseCacheControl('max-age=99999999999'), 'max-age')).toBe(
      2_147_483_648_000,
    );
    for (const bad of ['max-age=-1', 'max-age=1.5', 'max-age', 'max-age=a1', 'max-age=1a']) {
      expect(directiveSecondsMs(parseCacheControl(bad), 'max-age'), bad).toBeUndefined();
    }
  });

  it('never throws on garbage or huge values', () => {
    for (const value of ['=,=,"', '\u0000\u00ff', ',,,', `max-age=1, ${'x'.repeat(100_000)}`]) {
      expect(() => parseCacheControl(value)).not.toThrow();
    }
  });

  it('parses Age, ignoring invalid values', () => {
    expect(parseAgeMs('30')).toBe(30_000);
    expect(parseAgeMs('30, 40')).toBe(30_000);
    for (const bad of ['-1', 'abc', '1.5', '', null])
      expect(parseAgeMs(bad), String(bad)).toBeUndefined();
  });
});

describe('request directives (RFC 9111 §5.2.1)', () => {
  const parse = (headers: Record<string, string>) => parseRequestDirectives(new Headers(headers));
  it('reads no-cache, no-store, max-age, min-fresh, max-stale, only-if-cached', () => {
    const directives = parse({
      'cache-control': 'no-cache, no-store, max-age=5, min-fresh=2, max-stale, only-if-cached',
    });
    expect(directives).toMatchObject({
      noCache: true,
      noStore: true,
      maxAgeMs: 5_000,
      minFreshMs: 2_000,
      maxStaleMs: Number.POSITIVE_INFINITY,
      onlyIfCached: true,
    });
    expect(parse({ 'cache-control': 'max-stale=7' }).maxStaleMs).toBe(7_000);
  });

  it('treats Pragma: no-cache as no-cache only without Cache-Control', () => {
    expect(parse({ pragma: 'no-cache' }).noCache).toBe(true);
    expect(parse({ pragma: 'no-cache', 'cache-control': 'max-age=60' }).noCache).toBe(false);
  });
});

describe('targeted cache-control fields (RFC 9213, RFC 8941 dictionaries)', () => {
  it('parses valid dictionaries, keeping non-integer values non-numeric', () => {
    expect(parseTargetedCacheControl('max-age=60, no-store')).toEqual(
      new Map<string, string | true>([
        ['max-age', '60'],
        ['no-store', true],
      ]),
    );
    expect(parseTargetedCacheControl('max-age="60"')?.get('max-age')).toBe('"60"');
    expect(parseTargetedCacheControl('max-age=60;foo=bar, private')?.get('private')).toBe(true);
  });

  it('rejects invalid structured fields as a whole', () => {
    for (const bad of ['max-age=10000, &&&&&', 'max-age =100', 'MaX-aGe=1', '', 'a,', 'a=(']) {
      expect(parseTargetedCacheControl(bad), bad).toBeUndefined();
    }
  });
});

describe('cache keys', () => {
  it('keeps the URL as sent: query spelling and order stay distinct', () => {
    const keys = ['?q=a+b', '?q=a%20b', '?flag', '?flag=', '?x=1&', '?x=1', '?a=1&b=2', '?b=2&a=1'];
    const distinct = new Set(keys.map((query) => urlKey(`http://example.com/p${query}`)));
    expect(distinct.size).toBe(keys.length);
    expect(urlKey('http://EXAMPLE.com/p?x#frag')).toBe('example.com/p?x');
  });

  it('normalizeUrl (opt-in) sorts the query, lowercases the host and drops scheme and fragment', () => {
    expect(normalizeUrl('http://EXAMPLE.com:8080/a/B?z=1&a=2&a=1#frag')).toBe(
      'example.com:8080/a/B?a=2&a=1&z=1',
    );
    expect(normalizeUrl('https://example.com/x')).toBe(normalizeUrl('http://example.com/x'));
    expect(normalizeUrl('http://example.com/x?')).toBe('example.com/x');
  });
});
