import { randomBytes } from 'node:crypto';
import {
  check,
  describeValue,
  expectBackendError,
  expectBytes,
  loose,
  utf8,
} from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';

/** Values that are not a Uint8Array. */
export const INVALID_VALUES: readonly [string, unknown][] = [
  ['a string', 'text'],
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
  ['a plain array of numbers', [1, 2, 3]],
  ['an ArrayBuffer', new ArrayBuffer(4)],
  ['a plain object', { length: 3 }],
];

/** A view over an `ArrayBuffer` that was transferred away (it reports 0 bytes). */
export function detachedView(): Uint8Array {
  const buffer = new ArrayBuffer(8);
  const view = new Uint8Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

function allByteValues(): Buffer {
  const bytes = Buffer.alloc(512);
  for (let i = 0; i < 256; i++) {
    bytes[i] = i;
    bytes[511 - i] = i;
  }
  return bytes;
}

/** Section C: values are bytes, copied in and out. */
export const valuesGroup: ConformanceGroup = {
  name: 'values',
  description:
    'bytes round-trip exactly, empty is a hit, large values work, nothing aliases storage',
  cases: [
    {
      name: 'all 256 byte values round-trip',
      why: 'catches text encodings of binary values (UTF-8 replacement of invalid bytes, NUL truncation)',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('bytes', allByteValues());
        expectBytes(
          await backend.get('bytes'),
          allByteValues(),
          'every byte value 0x00-0xff must round-trip (no text encoding)',
        );
      },
    },
    {
      name: 'an empty value is a hit, not a miss',
      why: 'a zero-length value is easy to confuse with a miss (falsy checks, empty-file reads); the contract says it is a hit',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('empty', new Uint8Array(0));
        const got = await backend.get('empty');
        check(got !== undefined, 'an empty value must be a hit', 'get returned undefined');
        expectBytes(got, new Uint8Array(0), 'an empty value must come back with length 0');
        check(
          await backend.exists('empty'),
          'exists of an empty value must be true',
          'it returned false',
        );
        check(
          (await backend.delete('empty')) === true,
          'delete of an empty value must be true',
          'it returned false',
        );
      },
    },
    {
      name: 'a large value round-trips (largeValueBytes, default 4 MiB)',
      why: 'catches chunking bugs and silent truncation at protocol or page limits',
      run: async (h) => {
        const backend = await h.create();
        const value = randomBytes(h.options.largeValueBytes);
        await backend.set('large', value);
        expectBytes(
          await backend.get('large'),
          value,
          `a ${h.options.largeValueBytes}-byte value must round-trip`,
        );
      },
    },
    {
      name: 'get returns a Uint8Array',
      why: 'callers rely on byte views; catches strings, ArrayBuffers or arrays of numbers returned instead',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('k', utf8('v'));
        const got = await backend.get('k');
        check(
          got instanceof Uint8Array,
          'get must return a Uint8Array (a Buffer is one)',
          `got ${describeValue(got)}`,
        );
      },
    },
    {
      name: 'mutating the input after set does not change the stored value',
      why: "catches in-memory stores that keep the caller's array instead of a copy",
      run: async (h) => {
        const backend = await h.create();
        const input = utf8('original');
        await backend.set('k', input);
        input.fill(0x21);
        expectBytes(
          await backend.get('k'),
          utf8('original'),
          'the backend must store a copy of the input',
        );
      },
    },
    {
      name: 'mutating a returned value does not change the stored value',
      why: 'catches in-memory stores that hand out their own array',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('k', utf8('original'));
        const first = await backend.get('k');
        check(first !== undefined, 'get after set must hit', 'it missed');
        first.fill(0x21);
        expectBytes(
          await backend.get('k'),
          utf8('original'),
          'a returned array must never alias storage',
        );
        const second = await backend.get('k');
        const third = await backend.get('k');
        check(
          second !== third,
          'each get must return its own array',
          'two gets returned the same object',
        );
      },
    },
    {
      name: 'a view into a larger buffer stores only its own bytes',
      why: "catches backends that store view.buffer (the whole pool, e.g. a pooled Buffer) instead of the view's bytes",
      run: async (h) => {
        const backend = await h.create();
        const backing = utf8('xxxxHELLOyyyy');
        const view = backing.subarray(4, 9);
        await backend.set('view', view);
        expectBytes(
          await backend.get('view'),
          utf8('HELLO'),
          'only the view (byteOffset..byteOffset+byteLength) must be stored',
        );
        const plain = new Uint8Array(backing.buffer, backing.byteOffset + 4, 5);
        await backend.set('plain-view', plain);
        expectBytes(
          await backend.get('plain-view'),
          utf8('HELLO'),
          'a Uint8Array view must store only its own bytes',
        );
      },
    },
    {
      name: 'Buffer and plain Uint8Array values are both accepted',
      why: 'catches backends that check instanceof Buffer and reject plain Uint8Arrays',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('buffer', Buffer.from([1, 2, 3]));
        await backend.set('uint8array', new Uint8Array([4, 5, 6]));
        expectBytes(
          await backend.get('buffer'),
          new Uint8Array([1, 2, 3]),
          'a Buffer value must be accepted',
        );
        expectBytes(
          await backend.get('uint8array'),
          new Uint8Array([4, 5, 6]),
          'a plain Uint8Array must be accepted',
        );
      },
    },
    {
      name: 'a non-Uint8Array value is rejected with INVALID_VALUE and the old value is kept',
      why: 'catches backends that store strings or JSON of anything they are given',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('k', utf8('old'));
        for (const [label, value] of INVALID_VALUES) {
          await expectBackendError(
            () => backend.set('k', loose(value)),
            { type: 'PERMANENT', code: 'INVALID_VALUE', operation: 'set', key: 'k' },
            `set with ${label} as the value must be rejected with PERMANENT INVALID_VALUE`,
          );
          expectBytes(
            await backend.get('k'),
            utf8('old'),
            `a rejected set (${label}) must keep the old value`,
          );
        }
        await expectBackendError(
          () => backend.set('fresh', loose('text')),
          { type: 'PERMANENT', code: 'INVALID_VALUE' },
          'set of a string value on a new key must be rejected',
        );
        check(
          (await backend.get('fresh')) === undefined,
          'a rejected set must store nothing',
          'the key exists',
        );
      },
    },
    {
      name: 'a view over a detached ArrayBuffer is rejected with INVALID_VALUE and stores nothing',
      why: 'a detached view reads as 0 bytes; a backend that stores it turns a caller bug into an empty value',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('k', utf8('old'));
        await expectBackendError(
          () => backend.set('k', detachedView()),
          { type: 'PERMANENT', code: 'INVALID_VALUE', operation: 'set', key: 'k' },
          'set with a view over a transferred (detached) ArrayBuffer must be rejected with PERMANENT INVALID_VALUE',
        );
        expectBytes(
          await backend.get('k'),
          utf8('old'),
          'a set rejected for a detached value must keep the old value',
        );
        await expectBackendError(
          () => backend.set('fresh', detachedView(), 60_000),
          { type: 'PERMANENT', code: 'INVALID_VALUE', operation: 'set', key: 'fresh' },
          'set with a detached value and a ttl must be rejected with PERMANENT INVALID_VALUE',
        );
        check(
          (await backend.get('fresh')) === undefined,
          'a set rejected for a detached value must store nothing (not an empty value)',
          'the key exists',
        );
      },
    },
    {
      name: 'a value larger than maxValueBytes is rejected with VALUE_TOO_LARGE and the old value is kept',
      why: 'catches limits that are not enforced, enforced off by one, or that truncate the value',
      skip: (o) => (o.maxValueBytes === undefined ? 'maxValueBytes not given' : undefined),
      run: async (h) => {
        const backend = await h.create();
        const max = h.options.maxValueBytes as number;
        await backend.set('k', utf8('old'));
        await expectBackendError(
          () => backend.set('k', Buffer.alloc(max + 1, 1)),
          { type: 'PERMANENT', code: 'VALUE_TOO_LARGE', operation: 'set', key: 'k' },
          `a ${max + 1}-byte value must be rejected with PERMANENT VALUE_TOO_LARGE`,
        );
        expectBytes(
          await backend.get('k'),
          utf8('old'),
          'a rejected oversize set must keep the old value',
        );
        if (max <= 64 * 1024 * 1024) {
          const exact = Buffer.alloc(max, 2);
          await backend.set('exact', exact);
          expectBytes(
            await backend.get('exact'),
            exact,
            `a value of exactly maxValueBytes (${max}) must be accepted`,
          );
        }
      },
    },
  ],
};
