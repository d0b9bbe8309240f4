import { execFileSync } from 'node:child_process';
import { BackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { describe, expect, test } from 'vitest';
import { encodeEnvelope } from '../src/entry-envelope.js';
import {
  createCache,
  DEFAULT_SERIALIZER_MAX_DEPTH,
  DefaultSerializerTag,
  defaultSerializer,
} from '../src/index.js';

const MAX = DEFAULT_SERIALIZER_MAX_DEPTH;

function roundTrip(value: unknown): unknown {
  return defaultSerializer.deserialize(defaultSerializer.serialize(value));
}

/** `[1, <2 holes>, 'd', <2 holes>]`, the conformance kit's vector. */
function sparse(): unknown[] {
  const array: unknown[] = [1];
  array[3] = 'd';
  array.length = 6;
  return array;
}

/** Which indexes of `array` are holes. */
function holes(array: unknown): number[] {
  expect(Array.isArray(array)).toBe(true);
  const list = array as unknown[];
  return Array.from({ length: list.length }, (_, index) => index).filter((i) => !(i in list));
}

/** `{ a: { a: … { leaf: true } } }`, `depth` objects deep. */
function nested(depth: number): unknown {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

/** `[[…[1]…]]`, `depth` arrays deep. */
function nestedArrays(depth: number): unknown {
  let value: unknown[] = [1];
  for (let level = 1; level < depth; level++) value = [value];
  return value;
}

/** How many objects deep a {@link nested} value is, walked without recursion. */
function nestedDepth(value: unknown): number {
  let depth = 0;
  let node = value as Record<string, unknown> | undefined;
  while (node !== undefined) {
    depth++;
    if (node.leaf === true) return depth;
    node = node.a as Record<string, unknown> | undefined;
  }
  return -1;
}

/**
 * {@link nested}`(depth)` as the default serializer has always written it
 * (format 0x05), at depths it now refuses to write but must still read.
 */
function olderDeepEncoding(depth: number): Uint8Array {
  const text = `${'{"a":'.repeat(depth - 1)}{"leaf":true}${'}'.repeat(depth - 1)}`;
  const body = Buffer.from(text, 'utf8');
  const bytes = new Uint8Array(body.byteLength + 1);
  bytes[0] = DefaultSerializerTag.TAGGED_JSON;
  bytes.set(body, 1);
  return bytes;
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

describe('default serializer: sparse arrays', () => {
  test('holes stay holes, distinct from undefined elements, length kept', () => {
    const out = roundTrip(sparse()) as unknown[];
    expect(out).toHaveLength(6);
    expect(holes(out)).toEqual([1, 2, 4, 5]);
    expect(out[0]).toBe(1);
    expect(out[3]).toBe('d');

    // biome-ignore lint/suspicious/noSparseArray: a hole between undefined elements is the point
    const mixed = [undefined, , 3, undefined];
    const back = roundTrip(mixed) as unknown[];
    expect(holes(back)).toEqual([1]);
    expect(0 in back && 3 in back).toBe(true);
    expect(back).toStrictEqual(mixed);
  });

  test('an array of holes only, and large runs, round-trip', () => {
    expect(holes(roundTrip(new Array(5)))).toEqual([0, 1, 2, 3, 4]);
    const big: unknown[] = [];
    big[100_000] = 'end';
    const out = roundTrip(big) as unknown[];
    expect(out).toHaveLength(100_001);
    expect(out[100_000]).toBe('end');
    expect(holes(out)).toHaveLength(100_000);
  });

  test('sparse arrays nested in objects, Maps, Sets and other arrays keep their holes', () => {
    const value = {
      list: sparse(),
      map: new Map<unknown, unknown>([[sparse(), sparse()]]),
      set: new Set([sparse()]),
      inner: [[sparse()]],
    };
    const out = roundTrip(value) as typeof value;
    expect(holes(out.list)).toEqual([1, 2, 4, 5]);
    const [key, mapped] = [...out.map][0] as [unknown, unknown];
    expect(holes(key)).toEqual([1, 2, 4, 5]);
    expect(holes(mapped)).toEqual([1, 2, 4, 5]);
    expect(holes([...out.set][0])).toEqual([1, 2, 4, 5]);
    expect(holes((out.inner[0] as unknown[])[0])).toEqual([1, 2, 4, 5]);
    expect(out).toStrictEqual(value);
  });

  test('the same sparse array twice in one value keeps its holes both times', () => {
    const shared = sparse();
    const out = roundTrip([shared, { again: shared }, shared]) as unknown[];
    expect(holes(out[0])).toEqual([1, 2, 4, 5]);
    expect(holes((out[1] as { again: unknown }).again)).toEqual([1, 2, 4, 5]);
    expect(holes(out[2])).toEqual([1, 2, 4, 5]);
  });

  test('random arrays of holes, undefined, null and nested arrays round-trip (seeded)', () => {
    let seed = 20_261_203;
    const rand = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const gen = (depth: number): unknown[] => {
      const array: unknown[] = [];
      array.length = Math.floor(rand() * 12);
      for (let index = 0; index < array.length; index++) {
        const roll = rand();
        if (roll < 0.4) continue; // a hole
        if (roll < 0.55) array[index] = undefined;
        else if (roll < 0.65) array[index] = null;
        else if (roll < 0.8 && depth > 0) array[index] = gen(depth - 1);
        else array[index] = index;
      }
      return array;
    };
    for (let run = 0; run < 300; run++) {
      const value = gen(3);
      expect(roundTrip(value)).toStrictEqual(value);
    }
  });

  test('only values with holes use the newer format tag; every other value keeps its bytes', () => {
    expect(defaultSerializer.serialize(sparse())[0]).toBe(DefaultSerializerTag.TAGGED_JSON_HOLES);
    expect(defaultSerializer.serialize({ a: [sparse()] })[0]).toBe(
      DefaultSerializerTag.TAGGED_JSON_HOLES,
    );
    expect(defaultSerializer.serialize([1, undefined, 3])[0]).toBe(
      DefaultSerializerTag.TAGGED_JSON,
    );
  });

  test('through a cache, a sparse array comes back with its holes', async () => {
    const backend = new MemoryBackend();
    const cache = createCache({ backend });
    await cache.set('s', sparse());
    expect(holes(await cache.get('s'))).toEqual([1, 2, 4, 5]);
    await backend.close();
  });

  const enc = (format: number, text: string): Uint8Array =>
    Uint8Array.of(format, ...new TextEncoder().encode(text));
  const hole = (count: unknown): string => `{"\\u0000":"h","v":${JSON.stringify(count)}}`;
  test.each<[string, Uint8Array]>([
    ['a hole marker in the older format', enc(0x05, `[1,${hole(1)}]`)],
    ['a hole marker outside an array', enc(0x06, `{"a":${hole(1)}}`)],
    ['a hole marker at the top level', enc(0x06, hole(1))],
    ['a run of 0', enc(0x06, `[${hole(0)}]`)],
    ['a run past the end', enc(0x06, `[${hole(3)},null]`)],
    ['a run that is not a number', enc(0x06, `[${hole('2')},null]`)],
    ['a run whose filler is not null', enc(0x06, `[${hole(2)},7]`)],
    ['a hole inside a Set', enc(0x06, `{"\\u0000":"S","v":[${hole(1)}]}`)],
    ['a hole inside a Map pair', enc(0x06, `{"\\u0000":"M","v":[[${hole(1)},1]]}`)],
  ])('rejects malformed holes: %s', (_name, bytes) => {
    expect(() => defaultSerializer.deserialize(bytes)).toThrow(TypeError);
  });
});

describe('default serializer: entries written before the sparse-array format', () => {
  // Written by the default serializer before format tag 0x06 existed (commit 54e2f3d);
  // never regenerate: these bytes are what stores already hold.
  test('a sparse array written by an older version reads back as it was stored (undefined elements)', () => {
    const bytes = hexBytes(
      '055b312c7b225c7530303030223a2275227d2c7b225c7530303030223a2275227d2c2264222c7b225c7530303030223a2275227d2c7b225c7530303030223a2275227d5d',
    );
    const out = defaultSerializer.deserialize(bytes) as unknown[];
    expect(out).toStrictEqual([1, undefined, undefined, 'd', undefined, undefined]);
    expect(holes(out)).toEqual([]);
  });

  test('every tag of the older format still decodes', () => {
    const bytes = hexBytes(
      '057b2275223a7b225c7530303030223a2275227d2c226e223a5b7b225c7530303030223a226e222c2276223a224e614e227d2c7b225c7530303030223a226e222c2276223a222d30227d2c7b225c7530303030223a226e222c2276223a22496e66696e697479227d2c7b225c7530303030223a226e222c2276223a222d496e66696e697479227d5d2c2262223a7b225c7530303030223a2262222c2276223a222d35227d2c2264223a7b225c7530303030223a2244222c2276223a307d2c22626164223a7b225c7530303030223a2244222c2276223a6e756c6c7d2c226d223a7b225c7530303030223a224d222c2276223a5b5b312c7b225c7530303030223a2253222c2276223a5b2278225d7d5d5d7d2c2273223a7b225c7530303030223a2253222c2276223a5b6e756c6c5d7d2c226279746573223a7b225c7530303030223a2255222c2276223a224151493d227d2c22627566223a7b225c7530303030223a2242222c2276223a2241773d3d227d2c22657363223a7b225c7530303030223a224f222c2276223a5b5b225c7530303030222c2275225d2c5b2276222c315d5d7d7d',
    );
    expect(defaultSerializer.deserialize(bytes)).toStrictEqual({
      u: undefined,
      n: [Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      b: -5n,
      d: new Date(0),
      bad: new Date(Number.NaN),
      m: new Map([[1, new Set(['x'])]]),
      s: new Set([null]),
      bytes: new Uint8Array([1, 2]),
      buf: Buffer.from([3]),
      esc: { '\u0000': 'u', v: 1 },
    });
    expect(defaultSerializer.deserialize(hexBytes('0168c3a96c6c6f'))).toBe('héllo');
  });

  test.each([4_000, 100_000])(
    'an older entry nested %i levels deep (beyond maxDepth) still decodes, without recursion',
    (depth) => {
      expect(nestedDepth(defaultSerializer.deserialize(olderDeepEncoding(depth)))).toBe(depth);
    },
  );
});

describe('default serializer: maxDepth', () => {
  test(`values ${MAX} levels deep round-trip (objects and arrays)`, () => {
    expect(MAX).toBe(1_000);
    expect(nestedDepth(roundTrip(nested(MAX)))).toBe(MAX);
    let node = roundTrip(nestedArrays(MAX));
    let depth = 0;
    while (Array.isArray(node)) {
      depth++;
      node = node[0];
    }
    expect(depth).toBe(MAX);
    expect(node).toBe(1);
  });

  test.each([
    ['objects', nested(MAX + 1)],
    ['arrays', nestedArrays(MAX + 1)],
    ['objects, far beyond', nested(100_000)],
  ])('one level more (%s) is a TypeError naming the limit, never a RangeError', (_name, value) => {
    let thrown: unknown;
    try {
      defaultSerializer.serialize(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(`deeper than ${MAX} levels`);
  });

  test('a Map counts three levels (wrapper, entry list, pair), a Set two, a Date one', () => {
    // depth 1 is the root object; its child at depth 2 is the Map wrapper, the Map's values at 5.
    const withMapAt = (depth: number, leaf: unknown): unknown => {
      let value: unknown = new Map([['k', leaf]]);
      for (let level = 1; level < depth; level++) value = { a: value };
      return value;
    };
    expect(() => defaultSerializer.serialize(withMapAt(MAX - 2, 1))).not.toThrow();
    expect(() => defaultSerializer.serialize(withMapAt(MAX - 2, {}))).toThrow(/deeper than/);
    let dated: unknown = new Date(0);
    for (let level = 1; level < MAX; level++) dated = { a: dated };
    expect(() => defaultSerializer.serialize(dated)).not.toThrow();
    expect(() => defaultSerializer.serialize({ a: dated })).toThrow(/deeper than/);
    let setAt: unknown = new Set([1]);
    for (let level = 1; level < MAX - 1; level++) setAt = { a: setAt };
    expect(() => defaultSerializer.serialize(setAt)).not.toThrow();
    expect(() => defaultSerializer.serialize(new Set([setAt]))).toThrow(/deeper than/);
  });

  test('through a cache: at the limit it is stored; one over is INVALID_VALUE saying the depth, and the old entry stays', async () => {
    const backend = new MemoryBackend();
    const cache = createCache({ backend });
    await cache.set('deep', nested(MAX));
    expect(nestedDepth(await cache.get('deep'))).toBe(MAX);
    const rejected = await cache.set('deep', nested(MAX + 1)).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(BackendError);
    expect(rejected).toMatchObject({
      type: 'PERMANENT',
      code: 'INVALID_VALUE',
      operation: 'serialize',
    });
    expect((rejected as Error).message).toMatch(`deeper than ${MAX} levels`);
    expect(nestedDepth(await cache.get('deep'))).toBe(MAX);
    await backend.close();
  });

  test.each(['clone', 'freeze'] as const)(
    'object tier (%s): an older entry deeper than maxDepth is served on every read, never a RangeError',
    async (mode) => {
      const backend = new MemoryBackend();
      const cache = createCache({ backend, objectCache: { maxEntries: 10, mode } });
      const depth = 4_000;
      const payload = olderDeepEncoding(depth);
      const far = Date.now() + 60_000;
      await backend.set('old', encodeEnvelope(payload, far, far));
      for (let read = 0; read < 3; read++) expect(nestedDepth(await cache.get('old'))).toBe(depth);
      await backend.close();
    },
  );

  test('with too little stack left even at the limit, encoding is a TypeError (so INVALID_VALUE through a cache), never a RangeError', () => {
    // A 150 KB stack (Node's default is ~984 KB) cannot hold JSON.stringify 1,000 levels deep.
    const dist = new URL('../dist/index.js', import.meta.url).href;
    const script = `
      import { defaultSerializer } from ${JSON.stringify(dist)};
      let value = [1];
      for (let level = 1; level < ${MAX}; level++) value = [value];
      try { defaultSerializer.serialize(value); console.log('encoded'); }
      catch (error) { console.log(error.constructor.name + ': ' + error.message); }
    `;
    const output = execFileSync(
      process.execPath,
      ['--stack-size=150', '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(output).toMatch(
      /^TypeError: the default serializer could not encode the value: Maximum call stack/,
    );
  });
});
