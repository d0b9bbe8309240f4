import { describe, expect, it } from 'vitest';
import { parseSingleByteRange } from '../src/byte-range.js';
import { evaluateClientConditions } from '../src/conditional.js';
import { updateStoredHeaders } from '../src/header-update.js';
import { withoutHopByHop } from '../src/hop-by-hop.js';

describe('304 header update (RFC 9111 §3.2, §4.3.4)', () => {
  it('replaces fields the 304 carries, keeps the others, never Content-Length or hop-by-hop ones', () => {
    const merged = updateStoredHeaders(
      [
        ['cache-control', 'max-age=1'],
        ['x-kept', 'a'],
        ['content-type', 'text/plain'],
      ],
      new Headers({
        'cache-control': 'max-age=60',
        'content-length': '999',
        connection: 'x-hop',
        'x-hop': '1',
        'keep-alive': 'timeout=5',
        'content-type': 'text/html',
      }),
    );
    expect(new Map(merged)).toEqual(
      new Map([
        ['x-kept', 'a'],
        ['cache-control', 'max-age=60'],
        ['content-type', 'text/html'],
      ]),
    );
  });
});

describe('hop-by-hop headers (RFC 9110 §7.6.1)', () => {
  it('drops the fixed list and the fields named in Connection, keeping Set-Cookie lines', () => {
    const headers = new Headers({
      connection: 'close, X-Secret',
      'x-secret': '1',
      te: 'trailers',
      'x-end': '2',
    });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const kept = withoutHopByHop(headers);
    expect([...kept.keys()]).toEqual(['set-cookie', 'set-cookie', 'x-end']);
    expect(kept.getSetCookie()).toEqual(['a=1', 'b=2']);
  });
});

describe('single byte ranges (RFC 9110 §14.2)', () => {
  it('parses first-last, open-ended and suffix ranges, clamping to the size', () => {
    expect(parseSingleByteRange('bytes=0-1', 10)).toEqual({ start: 0, end: 1 });
    expect(parseSingleByteRange('bytes=5-', 10)).toEqual({ start: 5, end: 9 });
    expect(parseSingleByteRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseSingleByteRange('bytes=8-100', 10)).toEqual({ start: 8, end: 9 });
  });

  it('leaves several, unsatisfiable or malformed ranges to the origin', () => {
    for (const value of [
      'bytes=0-1,3-4',
      'bytes=10-',
      'bytes=5-2',
      'items=0-1',
      'bytes=-0',
      'bytes=x',
    ]) {
      expect(parseSingleByteRange(value, 10), value).toBeUndefined();
    }
  });
});

describe("a client's conditions on a response the cache has (RFC 9110 §13.2.2)", () => {
  const evaluate = (
    request: Record<string, string>,
    response: Record<string, string>,
    status = 200,
  ) => evaluateClientConditions(new Headers(request), status, new Headers(response));

  it('answers a matching If-None-Match (weak comparison, lists, *) with 304', () => {
    expect(evaluate({ 'if-none-match': '"a"' }, { etag: 'W/"a"' })).toBe('not-modified');
    expect(evaluate({ 'if-none-match': '"x", "a"' }, { etag: '"a"' })).toBe('not-modified');
    expect(evaluate({ 'if-none-match': '*' }, {})).toBe('not-modified');
    expect(evaluate({ 'if-none-match': '"x"' }, { etag: '"a"' })).toBe('full');
    expect(evaluate({ 'if-none-match': '"a"' }, { etag: '"a"' }, 404)).toBe('full');
  });

  it('uses If-Modified-Since only without If-None-Match', () => {
    const lastModified = 'Thu, 01 Jan 2026 00:00:00 GMT';
    expect(evaluate({ 'if-modified-since': lastModified }, { 'last-modified': lastModified })).toBe(
      'not-modified',
    );
    expect(
      evaluate(
        { 'if-modified-since': 'Wed, 31 Dec 2025 00:00:00 GMT' },
        { 'last-modified': lastModified },
      ),
    ).toBe('full');
    expect(
      evaluate(
        { 'if-modified-since': lastModified, 'if-none-match': '"x"' },
        { 'last-modified': lastModified, etag: '"a"' },
      ),
    ).toBe('full');
    expect(evaluate({ 'if-modified-since': 'garbage' }, { 'last-modified': lastModified })).toBe(
      'full',
    );
  });
});
