import { describe, expect, it } from 'vitest';
import { assertKnownOptions, closestName, editDistance } from '../src/index.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps', () => {
    expect(editDistance('maxEntries', 'maxEntries')).toBe(0);
    expect(editDistance('maxEntires', 'maxEntries')).toBe(1); // swap
    expect(editDistance('namepsace', 'namespace')).toBe(1); // swap
    expect(editDistance('directry', 'directory')).toBe(1); // deletion
    expect(editDistance('abc', 'xyz')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('closestName', () => {
  const known = ['stores', 'defaultTtlMs', 'namespace'];
  it('ignores case differences', () => {
    expect(closestName('defaultTTLMs', known)).toBe('defaultTtlMs');
  });
  it('returns nothing when no name is close', () => {
    expect(closestName('banana', known)).toBeUndefined();
  });
});

describe('assertKnownOptions', () => {
  const known = ['directory', 'namespace', 'maxEntries', 'maxBytes'];

  it('accepts known keys, and leaves non-objects to the caller', () => {
    expect(() => assertKnownOptions({ directory: '/x', maxEntries: 3 }, known, 'X')).not.toThrow();
    expect(() => assertKnownOptions({}, known, 'X')).not.toThrow();
    expect(() => assertKnownOptions(undefined, known, 'X')).not.toThrow();
    expect(() => assertKnownOptions(5, known, 'X')).not.toThrow();
  });

  it('throws a TypeError naming the unknown key and the closest known one', () => {
    expect(() => assertKnownOptions({ maxEntires: 3 }, known, 'FileBackend')).toThrow(
      new TypeError('FileBackend: unknown option "maxEntires" (did you mean "maxEntries"?)'),
    );
    expect(() => assertKnownOptions({ namepsace: 'a' }, known, 'FileBackend')).toThrow(
      /"namepsace" \(did you mean "namespace"\?\)/,
    );
  });

  it('checks keys whose value is undefined too', () => {
    expect(() => assertKnownOptions({ maxByte: undefined }, known, 'X')).toThrow(
      /unknown option "maxByte" \(did you mean "maxBytes"\?\)/,
    );
  });

  it('lists the known options when nothing is close', () => {
    expect(() => assertKnownOptions({ colour: 'red' }, known, 'X')).toThrow(
      'X: unknown option "colour" (known options: "directory", "namespace", "maxEntries", "maxBytes")',
    );
  });
});
