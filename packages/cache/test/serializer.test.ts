import * as msgpackr from 'msgpackr';
import { describe, expect, test } from 'vitest';
import {
  createMsgpackrSerializer,
  DefaultSerializerTag,
  defaultSerializer,
  msgpackrSerializer,
} from '../src/index.js';

function roundTrip(value: unknown): unknown {
  return defaultSerializer.deserialize(defaultSerializer.serialize(value));
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const table: [string, unknown][] = [
  ['empty string', ''],
  ['ascii string', 'hello'],
  ['emoji string', 'caché 🚀 \u0000 end'],
  ['string with a leading byte-order mark', '\uFEFFbom'],
  ['lone surrogate string', 'a\uD800b'],
  ['integer', 42],
  ['float', -3.25],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
  ['max safe integer', Number.MAX_SAFE_INTEGER],
  ['true', true],
  ['false', false],
  ['null', null],
  ['bigint', 12345678901234567890123456789n],
  ['negative bigint', -5n],
  ['date', new Date('2024-02-29T12:34:56.789Z')],
  ['invalid date', new Date(Number.NaN)],
  ['empty array', []],
  ['empty object', {}],
  ['nested', { a: [1, { b: 'c', d: [null, true] }], e: { f: { g: 'h' } } }],
  ['undefined in object', { a: undefined, b: 1 }],
  ['undefined in array', [1, undefined, 3]],
  ['special numbers nested', { n: Number.NaN, i: [Number.POSITIVE_INFINITY, -0] }],
  [
    'map',
    new Map<unknown, unknown>([
      ['a', 1],
      [2, { b: new Date(0) }],
      [null, undefined],
    ]),
  ],
  ['set', new Set([1, 'two', null, 3n])],
  ['nested map in set', new Set([new Map([['k', new Set([1])]])])],
  ['uint8array', new Uint8Array([0, 1, 254, 255])],
  ['empty uint8array', new Uint8Array(0)],
  ['buffer', Buffer.from('bytes!')],
  ['bytes in object', { u: new Uint8Array([9, 8]), b: Buffer.from([7]) }],
  ['object using the marker key', { '\u0000': 'u', v: 1 }],
  ['nested marker key', [{ '\u0000': 'D', v: 0 }]],
  ['__proto__ own key', JSON.parse('{"__proto__": {"polluted": true}, "x": 1}')],
  ['string that looks like a tag', '\u0005{"x":1}'],
];

describe('default serializer', () => {
  test.each(table)('round-trips %s', (_name, value) => {
    const out = roundTrip(value);
    expect(out).toStrictEqual(value);
  });

  test('keeps -0 and the kind of byte array', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.is((roundTrip({ z: -0 }) as { z: number }).z, -0)).toBe(true);
    expect(Buffer.isBuffer(roundTrip(Buffer.from('x')))).toBe(true);
    const plain = roundTrip(new Uint8Array([1]));
    expect(Buffer.isBuffer(plain)).toBe(false);
    expect(plain).toBeInstanceOf(Uint8Array);
    const nested = roundTrip({ u: new Uint8Array([1]), b: Buffer.from([2]) }) as Record<
      string,
      unknown
    >;
    expect(Buffer.isBuffer(nested.u)).toBe(false);
    expect(Buffer.isBuffer(nested.b)).toBe(true);
  });

  test('keeps own undefined properties', () => {
    const out = roundTrip({ a: undefined }) as Record<string, unknown>;
    expect(Object.hasOwn(out, 'a')).toBe(true);
    expect(out.a).toBeUndefined();
  });

  test('does not pollute prototypes through __proto__ keys', () => {
    const out = roundTrip(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
  });

  test('class instances come back as plain objects with their own fields', () => {
    expect(roundTrip(new Point(1, 2))).toStrictEqual({ x: 1, y: 2 });
  });

  test('takes fast paths for top-level strings, numbers and bytes', () => {
    expect(defaultSerializer.serialize('hi')[0]).toBe(DefaultSerializerTag.STRING);
    expect(defaultSerializer.serialize(1.5)).toHaveLength(9);
    expect(defaultSerializer.serialize(new Uint8Array([1]))[0]).toBe(DefaultSerializerTag.BYTES);
    expect(defaultSerializer.serialize(Buffer.from([1]))[0]).toBe(DefaultSerializerTag.BUFFER);
    expect(defaultSerializer.serialize({})[0]).toBe(DefaultSerializerTag.TAGGED_JSON);
  });

  test.each([
    ['a function', { f: () => 1 }],
    ['a symbol', [Symbol('s')]],
    ['a Float32Array', { f: new Float32Array(2) }],
  ])('rejects %s with a TypeError', (_name, value) => {
    expect(() => defaultSerializer.serialize(value)).toThrow(TypeError);
  });

  test('rejects circular references', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => defaultSerializer.serialize(a)).toThrow(TypeError);
  });

  const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
  test.each<[string, Uint8Array]>([
    ['empty bytes', new Uint8Array(0)],
    ['unknown tag', new Uint8Array([0x7f, 1, 2])],
    ['short number', new Uint8Array([DefaultSerializerTag.NUMBER, 1, 2])],
    ['invalid UTF-8 string', new Uint8Array([DefaultSerializerTag.STRING, 0xff, 0xfe])],
    ['truncated JSON', Uint8Array.of(DefaultSerializerTag.TAGGED_JSON, ...enc('{"a":'))],
    ['unknown marker', Uint8Array.of(DefaultSerializerTag.TAGGED_JSON, ...enc('{"\\u0000":"zz"}'))],
    [
      'bad map body',
      Uint8Array.of(DefaultSerializerTag.TAGGED_JSON, ...enc('{"\\u0000":"M","v":3}')),
    ],
    [
      'bad bigint',
      Uint8Array.of(DefaultSerializerTag.TAGGED_JSON, ...enc('{"\\u0000":"b","v":"x1"}')),
    ],
  ])('throws (never crashes) on corrupt input: %s', (_name, bytes) => {
    expect(() => defaultSerializer.deserialize(bytes)).toThrow();
  });

  test('random values round-trip (seeded property test)', () => {
    let seed = 20_240_229;
    const rand = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)] as T;
    const gen = (depth: number): unknown => {
      const leaves: (() => unknown)[] = [
        () => Math.floor(rand() * 1e6) - 5e5,
        () => rand() * 1e9,
        () => pick([Number.NaN, -0, Number.POSITIVE_INFINITY, null, undefined, true, false]),
        () =>
          String.fromCodePoint(
            ...Array.from({ length: Math.floor(rand() * 6) }, () => Math.floor(rand() * 0x1f600)),
          ),
        () => BigInt(Math.floor(rand() * 1e9)) * 10n ** 12n,
        () => new Date(Math.floor(rand() * 4e12)),
        () =>
          new Uint8Array(
            Array.from({ length: Math.floor(rand() * 5) }, () => Math.floor(rand() * 256)),
          ),
      ];
      if (depth <= 0 || rand() < 0.4) return pick(leaves)();
      const size = Math.floor(rand() * 4);
      switch (Math.floor(rand() * 4)) {
        case 0:
          return Array.from({ length: size }, () => gen(depth - 1));
        case 1:
          return Object.fromEntries(
            Array.from({ length: size }, (_, i) => [
              `k${i}${pick(['', '\u0000', 'é'])}`,
              gen(depth - 1),
            ]),
          );
        case 2:
          return new Map(Array.from({ length: size }, () => [gen(depth - 1), gen(depth - 1)]));
        default:
          return new Set(Array.from({ length: size }, () => gen(depth - 1)));
      }
    };
    for (let i = 0; i < 500; i++) {
      const value = gen(4);
      if (value === undefined) continue;
      expect(roundTrip(value)).toStrictEqual(value);
    }
  });
});

describe('msgpackr serializer', () => {
  test('round-trips through the module passed in', () => {
    const serializer = createMsgpackrSerializer(msgpackr);
    const value = {
      a: 1,
      d: new Date(5),
      s: new Set([1, 2]),
      b: 2n ** 70n,
      u: new Uint8Array([1, 2]),
      n: null,
    };
    expect(serializer.deserialize(serializer.serialize(value))).toStrictEqual(value);
  });

  test('loads msgpackr lazily', async () => {
    const serializer = await msgpackrSerializer();
    expect(serializer.name).toBe('msgpackr');
    expect(serializer.deserialize(serializer.serialize(['x', 1]))).toStrictEqual(['x', 1]);
  });

  test('rejects bytes it did not write and a missing module', () => {
    const serializer = createMsgpackrSerializer(msgpackr);
    expect(() => serializer.deserialize(defaultSerializer.serialize('x'))).toThrow(/format tag/);
    expect(() => createMsgpackrSerializer({} as never)).toThrow(TypeError);
  });
});
