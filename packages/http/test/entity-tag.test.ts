import { describe, expect, it } from 'vitest';
import {
  computeEntityTag,
  ifMatchHolds,
  ifNoneMatchHits,
  parseEntityTag,
  parseEntityTagList,
  strongMatch,
  weakMatch,
} from '../src/index.js';

describe('entity tags (RFC 9110 §8.8.3)', () => {
  it('parses strong, weak and malformed tags', () => {
    expect(parseEntityTag('"abc"')).toEqual({ weak: false, opaque: 'abc' });
    expect(parseEntityTag(' W/"abc" ')).toEqual({ weak: true, opaque: 'abc' });
    expect(parseEntityTag('""')).toEqual({ weak: false, opaque: '' });
    expect(parseEntityTag('abc')).toBeUndefined();
    expect(parseEntityTag('w/"abc"')).toBeUndefined();
  });

  it('parses lists and *', () => {
    expect(parseEntityTagList(' * ')).toBe('*');
    expect(parseEntityTagList('"a", W/"b",  "c,d"')).toEqual([
      { weak: false, opaque: 'a' },
      { weak: true, opaque: 'b' },
      { weak: false, opaque: 'c,d' },
    ]);
    expect(parseEntityTagList('garbage')).toEqual([]);
  });

  it('compares like the RFC 9110 table', () => {
    const cases: [string, string, boolean, boolean][] = [
      ['W/"1"', 'W/"1"', false, true],
      ['W/"1"', 'W/"2"', false, false],
      ['W/"1"', '"1"', false, true],
      ['"1"', '"1"', true, true],
    ];
    for (const [a, b, strong, weak] of cases) {
      const left = parseEntityTag(a);
      const right = parseEntityTag(b);
      if (!left || !right) throw new Error(`unparsed ${a} ${b}`);
      expect(strongMatch(left, right), `${a} ${b} strong`).toBe(strong);
      expect(weakMatch(left, right), `${a} ${b} weak`).toBe(weak);
    }
  });

  it('evaluates If-None-Match weakly and If-Match strongly', () => {
    expect(ifNoneMatchHits('W/"1"', '"1"')).toBe(true);
    expect(ifNoneMatchHits('"0", "1"', 'W/"1"')).toBe(true);
    expect(ifNoneMatchHits('*', '"x"')).toBe(true);
    expect(ifNoneMatchHits('"2"', '"1"')).toBe(false);
    expect(ifMatchHolds('"1"', '"1"')).toBe(true);
    expect(ifMatchHolds('W/"1"', '"1"')).toBe(false);
    expect(ifMatchHolds('"1"', 'W/"1"')).toBe(false);
    expect(ifMatchHolds('"0", "1"', '"1"')).toBe(true);
    expect(ifMatchHolds('*', 'W/"1"')).toBe(true);
  });

  it('computes a strong tag from the body bytes', () => {
    const tag = computeEntityTag(new TextEncoder().encode('hello'));
    expect(tag).toBe('"LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"');
    expect(parseEntityTag(tag)?.weak).toBe(false);
    expect(computeEntityTag(new Uint8Array(0))).not.toBe(tag);
  });
});
