import { describe, expect, it } from 'vitest';
import { type FreshnessFacts, responseDirectives } from '../src/freshness.js';
import { currentAgeMs, formatHttpDate, freshnessLifetimeMs, parseHttpDate } from '../src/index.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function facts(
  headers: Record<string, string>,
  status = 200,
  targets: string[] = [],
): FreshnessFacts {
  const h = new Headers(headers);
  return { status, headers: h, ...responseDirectives(h, targets), responseTime: NOW };
}

describe('HTTP dates (RFC 9110 §5.6.7)', () => {
  it('parses IMF-fixdate, RFC 850 and asctime', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('THU, 01 JAN 2026 12:00:00 gmt')).toBe(NOW);
    expect(formatHttpDate(NOW)).toBe('Thu, 01 Jan 2026 12:00:00 GMT');
  });

  it('rejects invalid dates without throwing', () => {
    for (const bad of [
      '0',
      'soon',
      'Thu, 31 Feb 2026 12:00:00 GMT',
      'Thu, 01 Jan 2026 25:00:00 GMT',
      'x'.repeat(10_000),
    ]) {
      expect(parseHttpDate(bad), bad.slice(0, 20)).toBeUndefined();
    }
  });
});

describe('freshness lifetime (RFC 9111 §4.2.1, §4.2.2)', () => {
  it('prefers s-maxage, then max-age, then Expires minus Date', () => {
    expect(freshnessLifetimeMs(facts({ 'cache-control': 'max-age=10, s-maxage=20' }))).toBe(20_000);
    expect(freshnessLifetimeMs(facts({ 'cache-control': 'max-age=10' }))).toBe(10_000);
    const date = formatHttpDate(NOW);
    expect(freshnessLifetimeMs(facts({ expires: formatHttpDate(NOW + 30_000), date }))).toBe(
      30_000,
    );
  });

  it('treats an invalid Expires or max-age as already stale', () => {
    expect(freshnessLifetimeMs(facts({ expires: '0' }))).toBe(0);
    expect(
      freshnessLifetimeMs(
        facts({ 'cache-control': 'max-age=abc', expires: formatHttpDate(NOW + 60_000) }),
      ),
    ).toBe(0);
  });

  it('uses 10% of the Last-Modified age as a heuristic, only for heuristically cacheable statuses or public', () => {
    const headers = { 'last-modified': formatHttpDate(NOW - 100_000), date: formatHttpDate(NOW) };
    expect(freshnessLifetimeMs(facts(headers))).toBe(10_000);
    expect(freshnessLifetimeMs(facts(headers, 404))).toBe(10_000);
    expect(freshnessLifetimeMs(facts(headers, 500))).toBe(0);
    expect(freshnessLifetimeMs(facts({ ...headers, 'cache-control': 'public' }, 500))).toBe(10_000);
    expect(freshnessLifetimeMs(facts({}))).toBe(0);
  });

  it('applies a route ttlMs only without explicit freshness, and only to 200/203/204', () => {
    expect(freshnessLifetimeMs(facts({}), 5_000)).toBe(5_000);
    expect(freshnessLifetimeMs(facts({ 'cache-control': 'max-age=1' }), 5_000)).toBe(1_000);
    expect(freshnessLifetimeMs(facts({}, 404), 5_000)).toBe(0);
  });

  it('obeys a valid targeted field over Cache-Control and Expires', () => {
    const headers = {
      'cache-control': 'max-age=1',
      'cdn-cache-control': 'max-age=100',
      expires: '0',
    };
    expect(freshnessLifetimeMs(facts(headers, 200, ['cdn-cache-control']))).toBe(100_000);
    expect(freshnessLifetimeMs(facts(headers))).toBe(1_000);
    const invalid = { 'cache-control': 'max-age=1', 'cdn-cache-control': 'max-age=100, &&' };
    expect(freshnessLifetimeMs(facts(invalid, 200, ['cdn-cache-control']))).toBe(1_000);
  });
});

describe('current age (RFC 9111 §4.2.3)', () => {
  const times = { requestTime: NOW - 1_000, responseTime: NOW };
  it('takes the larger of the apparent age and Age plus the response delay, plus resident time', () => {
    expect(currentAgeMs(new Headers({ age: '30' }), times, NOW + 5_000)).toBe(36_000);
    const apparent = new Headers({ date: formatHttpDate(NOW - 60_000), age: '10' });
    expect(currentAgeMs(apparent, times, NOW)).toBe(60_000);
    expect(currentAgeMs(new Headers({ age: 'bad', date: 'bad' }), times, NOW)).toBe(1_000);
  });
});
