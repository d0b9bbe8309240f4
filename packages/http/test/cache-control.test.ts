import { describe, expect, it } from 'vitest';
import {
  directiveSecondsMs,
  normalizeUrl,
  parseCacheControl,
  requestWantsRevalidation,
} from '../src/index.js';

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

  it('reads delta-seconds in ms and rejects malformed ones', () => {
    expect(directiveSecondsMs(parseCacheControl('max-age=60'), 'max-age')).toBe(60_000);
    expect(directiveSecondsMs(parseCacheControl('max-age=0'), 'max-age')).toBe(0);
    expect(directiveSecondsMs(parseCacheControl('max-age=-1'), 'max-age')).toBeUndefined();
    expect(directiveSecondsMs(parseCacheControl('max-age=1.5'), 'max-age')).toBeUndefined();
    expect(directiveSecondsMs(parseCacheControl('max-age'), 'max-age')).toBeUndefined();
  });

  it('detects request revalidation (no-cache, max-age=0, Pragma only without Cache-Control)', () => {
    expect(requestWantsRevalidation(new Headers({ 'cache-control': 'no-cache' }))).toBe(true);
    expect(requestWantsRevalidation(new Headers({ 'cache-control': 'max-age=0' }))).toBe(true);
    expect(requestWantsRevalidation(new Headers({ pragma: 'no-cache' }))).toBe(true);
    expect(
      requestWantsRevalidation(new Headers({ pragma: 'no-cache', 'cache-control': 'max-age=60' })),
    ).toBe(false);
    expect(requestWantsRevalidation(new Headers())).toBe(false);
  });
});

describe('URL normalization', () => {
  it('sorts the query, lowercases the host and drops scheme and fragment', () => {
    expect(normalizeUrl('http://EXAMPLE.com:8080/a/B?z=1&a=2&a=1#frag')).toBe(
      'example.com:8080/a/B?a=2&a=1&z=1',
    );
    expect(normalizeUrl('https://example.com/x')).toBe(normalizeUrl('http://example.com/x'));
    expect(normalizeUrl('http://example.com/x?')).toBe('example.com/x');
  });
});
