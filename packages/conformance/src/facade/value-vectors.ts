/**
 * The fixed value vectors every facade serializer must round-trip exactly.
 * Each has a stable `name`: golden encodings ({@link defaultSerializerGolden})
 * and `unsupportedValues` refer to vectors by it.
 */
export interface ValueVector {
  /** Stable name (used as a key of golden encodings). */
  readonly name: string;
  /** What the vector is, in words (shown in the case name). */
  readonly description: string;
  /** Makes a fresh copy of the value (callers may mutate what they get). */
  readonly make: () => unknown;
}

function sparse(): unknown[] {
  const array: unknown[] = [1];
  array[3] = 'd';
  array.length = 6;
  return array;
}

/** Every typed-array kind Node 20 offers, by constructor name. */
const TYPED_ARRAYS: readonly [string, () => ArrayBufferView][] = [
  ['Int8Array', () => new Int8Array([0, -128, 127, -1])],
  ['Uint8Array', () => new Uint8Array([0, 1, 254, 255])],
  ['Uint8ClampedArray', () => new Uint8ClampedArray([0, 128, 255])],
  ['Int16Array', () => new Int16Array([0, -32768, 32767])],
  ['Uint16Array', () => new Uint16Array([0, 65535])],
  ['Int32Array', () => new Int32Array([0, -2147483648, 2147483647])],
  ['Uint32Array', () => new Uint32Array([0, 4294967295])],
  ['Float32Array', () => new Float32Array([0.5, -0, Number.NaN, Number.POSITIVE_INFINITY])],
  ['Float64Array', () => new Float64Array([Math.PI, -0, Number.NaN, Number.NEGATIVE_INFINITY])],
  ['BigInt64Array', () => new BigInt64Array([0n, -(2n ** 63n), 2n ** 63n - 1n])],
  ['BigUint64Array', () => new BigUint64Array([0n, 2n ** 64n - 1n])],
];

/** Names of the typed-array vectors (one per kind). */
export const TYPED_ARRAY_VECTOR_NAMES: readonly string[] = TYPED_ARRAYS.map(([name]) => name);

/** The value vectors, in order. */
export const VALUE_VECTORS: readonly ValueVector[] = [
  { name: 'string', description: 'a string', make: () => 'hello' },
  { name: 'empty-string', description: 'an empty string', make: () => '' },
  {
    name: 'unicode-string',
    description: 'a string of emoji, NFD and U+0000',
    make: () => '🎉 e\u0301 \u0000 ü',
  },
  { name: 'integer', description: 'an integer', make: () => 42 },
  { name: 'float', description: 'a fraction', make: () => 0.1 },
  { name: 'negative-zero', description: '-0', make: () => -0 },
  { name: 'nan', description: 'NaN', make: () => Number.NaN },
  { name: 'infinity', description: 'Infinity', make: () => Number.POSITIVE_INFINITY },
  { name: 'negative-infinity', description: '-Infinity', make: () => Number.NEGATIVE_INFINITY },
  {
    name: 'special-numbers-nested',
    description: '-0, NaN and ±Infinity inside an object',
    make: () => ({
      z: -0,
      n: Number.NaN,
      p: Number.POSITIVE_INFINITY,
      m: Number.NEGATIVE_INFINITY,
    }),
  },
  { name: 'null', description: 'null', make: () => null },
  { name: 'booleans', description: 'true and false in an array', make: () => [true, false] },
  {
    name: 'date',
    description: 'a Date',
    make: () => new Date(Date.UTC(2026, 11, 3, 16, 0, 0, 123)),
  },
  { name: 'date-epoch', description: 'the Date at epoch 0', make: () => new Date(0) },
  { name: 'invalid-date', description: 'an invalid Date', make: () => new Date(Number.NaN) },
  { name: 'bigint', description: 'a BigInt beyond 2^64', make: () => 2n ** 70n + 1n },
  { name: 'negative-bigint', description: 'a negative BigInt', make: () => -(2n ** 65n) },
  {
    name: 'map',
    description: 'a Map with string, number and object keys',
    make: () =>
      new Map<unknown, unknown>([
        ['a', 1],
        [2, 'two'],
        [{ k: 1 }, [3]],
      ]),
  },
  {
    name: 'set',
    description: 'a Set of mixed values',
    make: () => new Set<unknown>(['a', 1, null, 2n]),
  },
  ...TYPED_ARRAYS.map(([name, make]) => ({ name, description: `a ${name}`, make })),
  {
    name: 'buffer',
    description: 'a Buffer (comes back a Buffer)',
    make: () => Buffer.from([0, 1, 2, 255]),
  },
  { name: 'empty-bytes', description: 'an empty Uint8Array', make: () => new Uint8Array(0) },
  {
    name: 'undefined-in-object',
    description: 'undefined as an object property (kept as an own property)',
    make: () => ({ a: undefined, b: 1 }),
  },
  {
    name: 'undefined-in-array',
    description: 'undefined inside an array',
    make: () => [1, undefined, 3],
  },
  { name: 'sparse-array', description: 'a sparse array (holes stay holes)', make: sparse },
  {
    name: 'nested-object',
    description: 'nested objects and arrays of mixed values',
    make: () => ({
      user: {
        id: 7,
        tags: ['a', 'b'],
        seen: new Date(1_700_000_000_000),
        meta: { deep: [{ x: null }] },
      },
      list: [[], {}, [[1]]],
    }),
  },
  {
    name: 'marker-key-object',
    description: 'an object whose keys look like a serializer marker ("\\u0000", "__proto__")',
    make: () => {
      const value: Record<string, unknown> = { '\u0000': 'D', v: 0 };
      Object.defineProperty(value, '__proto__', {
        value: 1,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return value;
    },
  },
];

/** The vector named `name`. @throws TypeError for an unknown name. */
export function valueVector(name: string): ValueVector {
  const vector = VALUE_VECTORS.find((entry) => entry.name === name);
  if (vector === undefined) throw new TypeError(`unknown value vector ${JSON.stringify(name)}`);
  return vector;
}

/** `{ a: { a: … { leaf: true } } }` with `depth` levels of objects (depth 1: `{ leaf: true }`). */
export function nestedValue(depth: number): unknown {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}
