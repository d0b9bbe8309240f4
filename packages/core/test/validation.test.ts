import { describe, expect, it } from 'vitest';
import {
  assertValidKey,
  assertValidKeys,
  assertValidPrefix,
  assertValidValue,
  BackendError,
  copyBytes,
  MAX_TTL_MS,
  normalizeBatchEntries,
  normalizeLockOptions,
  normalizeRequiredTtl,
  normalizeTtl,
  normalizeWaitMs,
} from '../src/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).isPermanent).toBe(true);
    return (error as BackendError).code;
  }
  return undefined;
}

describe('assertValidKey', () => {
  it.each([
    'a',
    'user:1',
    '../../etc/passwd',
    '/abs/path',
    'with space',
    '{}()/\\@:',
    '😀 emoji',
    '0123',
    'é'.repeat(512),
    'x'.repeat(1024),
  ])('accepts %j', (key) => {
    expect(codeOf(() => assertValidKey(key, 'get'))).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(1025), 'over 1024 bytes'],
    ['é'.repeat(513), 'over 1024 bytes in UTF-8 although 513 chars'],
    ['a\uD800b', 'lone surrogate'],
    [1, 'number'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{ toString: () => 'a' }, 'object'],
  ] as [unknown, string][])('rejects %j (%s) with INVALID_KEY', (key) => {
    expect(codeOf(() => assertValidKey(key, 'get'))).toBe('INVALID_KEY');
  });

  it('names the operation', () => {
    try {
      assertValidKey('', 'delete');
      expect.unreachable();
    } catch (error) {
      expect((error as BackendError).operation).toBe('delete');
    }
  });
});

describe('assertValidKeys', () => {
  it('rejects a revoked Proxy, holes and symbols with a BackendError', () => {
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    expect(codeOf(() => assertValidKeys(proxy, 'getMany'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => normalizeBatchEntries(proxy, 'setMany'))).toBe('INVALID_ARGUMENT');
    // biome-ignore lint/suspicious/noSparseArray: a hole is the point.
    expect(codeOf(() => assertValidKeys(['a', , 'b'], 'getMany'))).toBe('INVALID_KEY');
    expect(codeOf(() => assertValidKeys(['a', Symbol('k')], 'getMany'))).toBe('INVALID_KEY');
  });
  it('rejects a non-array and any bad key', () => {
    expect(codeOf(() => assertValidKeys('a', 'getMany'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => assertValidKeys(['a', ''], 'getMany'))).toBe('INVALID_KEY');
    expect(codeOf(() => assertValidKeys([], 'getMany'))).toBeUndefined();
  });
});

describe('assertValidValue', () => {
  it('accepts Uint8Array and Buffer, including empty ones', () => {
    for (const value of [new Uint8Array(0), Buffer.alloc(0), Buffer.from('x'), new Uint8Array(3)]) {
      expect(codeOf(() => assertValidValue(value, 'set', 'k'))).toBeUndefined();
    }
  });
  it.each([['text'], [null], [undefined], [[1, 2]], [new ArrayBuffer(2)], [new Uint16Array(2)]])(
    'rejects %j with INVALID_VALUE',
    (value) => {
      expect(codeOf(() => assertValidValue(value, 'set', 'k'))).toBe('INVALID_VALUE');
    },
  );
  it('rejects a view over a detached (transferred) ArrayBuffer with INVALID_VALUE', () => {
    const buffer = new ArrayBuffer(8);
    const view = new Uint8Array(buffer);
    const subView = new Uint8Array(buffer, 2, 4);
    const asBuffer = Buffer.from(buffer, 1, 3);
    structuredClone(buffer, { transfer: [buffer] });
    for (const detached of [view, subView, asBuffer]) {
      expect(detached.byteLength).toBe(0);
      expect(codeOf(() => assertValidValue(detached, 'set', 'k'))).toBe('INVALID_VALUE');
    }
    try {
      assertValidValue(view, 'setMany', 'k');
    } catch (error) {
      expect((error as BackendError).message).toMatch(/detached ArrayBuffer/);
      expect([(error as BackendError).operation, (error as BackendError).key]).toEqual([
        'setMany',
        'k',
      ]);
    }
  });
  it('still accepts empty views that are not detached', () => {
    const buffer = new ArrayBuffer(8);
    for (const empty of [
      new Uint8Array(buffer, 8, 0),
      new Uint8Array(buffer, 0, 0),
      Buffer.alloc(0),
    ]) {
      expect(codeOf(() => assertValidValue(empty, 'set', 'k'))).toBeUndefined();
    }
  });
  it('rejects look-alikes without throwing anything but a BackendError', () => {
    const { proxy: revoked, revoke } = Proxy.revocable(new Uint8Array(2), {});
    revoke();
    const throwingConstructor = Object.defineProperty({}, 'constructor', {
      get() {
        throw new Error('boom');
      },
    });
    for (const value of [
      new Proxy(new Uint8Array(3), {}),
      Object.create(Uint8Array.prototype),
      revoked,
      throwingConstructor,
      { constructor: { name: Symbol('x') } },
      Symbol('v'),
      10n,
      new Uint8ClampedArray(2),
      new DataView(new ArrayBuffer(2)),
    ]) {
      expect(codeOf(() => assertValidValue(value, 'set', 'k'))).toBe('INVALID_VALUE');
    }
  });
  it('rejects values above the limit with VALUE_TOO_LARGE', () => {
    expect(codeOf(() => assertValidValue(new Uint8Array(11), 'set', 'k', 10))).toBe(
      'VALUE_TOO_LARGE',
    );
    expect(codeOf(() => assertValidValue(new Uint8Array(10), 'set', 'k', 10))).toBeUndefined();
  });
});

describe('assertValidPrefix', () => {
  it.each([[undefined], [''], ['user:'], ['😀'], ['*?[]%_']])('accepts %j', (prefix) => {
    expect(codeOf(() => assertValidPrefix(prefix))).toBeUndefined();
  });
  it.each([
    ['\uD800', 'a lone high surrogate'],
    ['a\uDC00', 'a lone low surrogate'],
    ['user:\uD83D', 'a cut surrogate pair'],
    [null, 'null'],
    [5, 'a number'],
    [{}, 'an object'],
    [Symbol('p'), 'a symbol'],
  ] as [unknown, string][])('rejects %j (%s) with INVALID_ARGUMENT naming keys', (prefix) => {
    expect(codeOf(() => assertValidPrefix(prefix))).toBe('INVALID_ARGUMENT');
    try {
      assertValidPrefix(prefix);
    } catch (error) {
      expect((error as BackendError).operation).toBe('keys');
    }
  });
});

describe('normalizeTtl', () => {
  it('keeps undefined and rounds fractions up', () => {
    expect(normalizeTtl(undefined, 'set')).toBeUndefined();
    expect(normalizeTtl(1, 'set')).toBe(1);
    expect(normalizeTtl(0.1, 'set')).toBe(1);
    expect(normalizeTtl(1500.2, 'set')).toBe(1501);
    expect(normalizeTtl(2 ** 31, 'set')).toBe(2 ** 31);
    expect(normalizeTtl(MAX_TTL_MS, 'set')).toBe(MAX_TTL_MS);
  });
  it.each([
    [0],
    [-1],
    [-0.5],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [Number.NEGATIVE_INFINITY],
    ['100'],
    [null],
    [{}],
    [MAX_TTL_MS + 1],
  ])('rejects %j with INVALID_TTL', (ttl) => {
    expect(codeOf(() => normalizeTtl(ttl, 'set', 'k'))).toBe('INVALID_TTL');
  });
  it('normalizeRequiredTtl rejects undefined', () => {
    expect(codeOf(() => normalizeRequiredTtl(undefined, 'refreshTtl'))).toBe('INVALID_TTL');
  });
});

describe('normalizeWaitMs', () => {
  it('defaults to 0, accepts 0, rejects negatives and non-numbers', () => {
    expect(normalizeWaitMs(undefined, 'acquireLock')).toBe(0);
    expect(normalizeWaitMs(0, 'acquireLock')).toBe(0);
    expect(normalizeWaitMs(2.5, 'acquireLock')).toBe(3);
    expect(codeOf(() => normalizeWaitMs(-1, 'acquireLock'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => normalizeWaitMs(Number.NaN, 'acquireLock'))).toBe('INVALID_ARGUMENT');
  });
});

describe('normalizeBatchEntries', () => {
  it('validates every entry and lets the later duplicate win', () => {
    const a = Buffer.from('a');
    const b = Buffer.from('b');
    const entries = normalizeBatchEntries(
      [
        { key: 'x', value: a, ttlMs: 1.5 },
        { key: 'y', value: a },
        { key: 'x', value: b },
      ],
      'setMany',
    );
    expect(entries).toEqual([
      { key: 'y', value: a, ttlMs: undefined },
      { key: 'x', value: b, ttlMs: undefined },
    ]);
  });
  it('rejects the whole batch on one bad entry', () => {
    const good = { key: 'x', value: new Uint8Array(1) };
    expect(
      codeOf(() => normalizeBatchEntries([good, { key: '', value: new Uint8Array(1) }], 'setMany')),
    ).toBe('INVALID_KEY');
    expect(codeOf(() => normalizeBatchEntries([good, { key: 'y', value: 'no' }], 'setMany'))).toBe(
      'INVALID_VALUE',
    );
    expect(
      codeOf(() =>
        normalizeBatchEntries([good, { key: 'y', value: new Uint8Array(1), ttlMs: 0 }], 'setMany'),
      ),
    ).toBe('INVALID_TTL');
    expect(codeOf(() => normalizeBatchEntries([good, null], 'setMany'))).toBe('INVALID_ARGUMENT');
    const buffer = new ArrayBuffer(4);
    const detached = new Uint8Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    expect(
      codeOf(() => normalizeBatchEntries([good, { key: 'y', value: detached }], 'setMany')),
    ).toBe('INVALID_VALUE');
    // biome-ignore lint/suspicious/noSparseArray: a hole is the point.
    expect(codeOf(() => normalizeBatchEntries([good, , good], 'setMany'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => normalizeBatchEntries('x', 'setMany'))).toBe('INVALID_ARGUMENT');
  });
});

describe('copyBytes', () => {
  it('returns a Buffer that shares no memory with the input', () => {
    const input = new Uint8Array([1, 2, 3]);
    const copy = copyBytes(input);
    expect(Buffer.isBuffer(copy)).toBe(true);
    input[0] = 9;
    expect([...copy]).toEqual([1, 2, 3]);
    copy[1] = 7;
    expect([...input]).toEqual([9, 2, 3]);
  });
});

describe('normalizeLockOptions', () => {
  it('validates ttlMs and waitMs, rounding up', () => {
    expect(normalizeLockOptions({ ttlMs: 10.5 }, 'k')).toEqual({ ttlMs: 11, waitMs: 0 });
    expect(normalizeLockOptions({ ttlMs: 1, waitMs: 2.2 }, 'k')).toEqual({ ttlMs: 1, waitMs: 3 });
    expect(codeOf(() => normalizeLockOptions({ ttlMs: 0 }, 'k'))).toBe('INVALID_TTL');
    expect(codeOf(() => normalizeLockOptions({ ttlMs: 1, waitMs: -1 }, 'k'))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(() => normalizeLockOptions(undefined, 'k'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => normalizeLockOptions(5, 'k'))).toBe('INVALID_ARGUMENT');
  });
});
