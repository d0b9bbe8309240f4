import type { BaseBackend } from '@cachestack/core';
import {
  check,
  describeValue,
  expectBackendError,
  expectBytes,
  loose,
  utf8,
} from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';

/** Invalid string keys: empty, too long, lone surrogates. */
export const INVALID_STRING_KEYS: readonly [string, string][] = [
  ['the empty key', ''],
  ['a 1025-byte ASCII key', 'a'.repeat(1025)],
  ['a 1025-byte multi-byte key', `${'é'.repeat(512)}a`],
  ['a lone high surrogate', 'a\uD800b'],
  ['a lone low surrogate', '\uDC00'],
];

/** Invalid non-string keys: rejected, never coerced. */
export const NON_STRING_KEYS: readonly [string, unknown][] = [
  ['the number 123', 123],
  ['null', null],
  ['undefined', undefined],
  ['an object', { toString: () => 'object-key' }],
  ['an array', ['a']],
];

/** Keys with characters other stores treat specially; all are ordinary key characters. */
export const RESERVED_CHARACTER_KEYS: readonly string[] = [
  'a/b',
  '/absolute/path',
  '..',
  '.',
  '../../etc/passwd',
  'a\\b',
  'a:b',
  '{}()\\@:',
  '{tag}key',
  "it's",
  '"quoted"',
  '`backtick`',
  'with space',
  'tab\tnew\nline',
  'nul\u0000byte',
  'glob*?[ab]',
  'percent%20_under',
  'CON',
  'a/',
];

/**
 * Keys that collide under naive escaping or normalization: each must stay a
 * key of its own (a backend that maps `/` to `%2F` without escaping `%`, or
 * `:` to `\:` without escaping `\`, or normalizes Unicode, merges them).
 */
export const LOOK_ALIKE_KEYS: readonly string[] = [
  'a:b',
  'a\\:b',
  'a\\\\:b',
  'a/b',
  'a%2Fb',
  'a%2fb',
  'a%252Fb',
  'a_b',
  'a%5Fb',
  'a b',
  'a+b',
  'a%20b',
  'a.b',
  'a%2Eb',
  '\u00e9',
  'e\u0301',
  '\u212b',
  '\u00c5',
  'A\u030a',
  '\ufb01',
  'fi',
];

/** Unicode keys that must round-trip. */
export const UNICODE_KEYS: readonly string[] = [
  'ключ',
  '鍵',
  'キー',
  '🔑🗝️',
  'e\u0301',
  '\u00e9',
  'مفتاح',
  '\u{10FFFF}',
];

async function roundTripEachDistinct(backend: BaseBackend, keys: readonly string[], rule: string) {
  for (const [index, key] of keys.entries()) await backend.set(key, utf8(`value-${index}`));
  for (const [index, key] of keys.entries()) {
    expectBytes(
      await backend.get(key),
      utf8(`value-${index}`),
      `${rule}: key ${describeValue(key)}`,
    );
    const exists = await backend.exists(key);
    check(exists, `${rule}: exists must be true`, `key ${describeValue(key)} reported missing`);
  }
}

async function expectNothingStored(backend: BaseBackend, key: string, rule: string): Promise<void> {
  const got = await backend.get(key);
  check(got === undefined, rule, `key ${describeValue(key)} was stored anyway`);
}

/** Section B: which keys are accepted and how they are kept apart. */
export const keysGroup: ConformanceGroup = {
  name: 'keys',
  description:
    'valid keys round-trip and stay distinct; invalid keys are rejected with INVALID_KEY',
  cases: [
    {
      name: 'keys of [A-Za-z0-9_.] up to 64 characters work',
      why: 'the plain keys every caller uses; a baseline before the edge cases',
      run: async (h) => {
        const backend = await h.create();
        const keys = ['a', 'Z', '0', 'under_score', 'dot.ted', 'ABCdef123_.'.padEnd(64, 'x')];
        await roundTripEachDistinct(backend, keys, 'simple keys must be accepted');
      },
    },
    {
      name: 'a 300-character key works for set, get, exists and delete',
      why: 'catches stores with short key limits (file names of 255 bytes, indexed columns) that truncate or fail',
      run: async (h) => {
        const backend = await h.create();
        const key = `${'k'.repeat(299)}z`;
        await backend.set(key, utf8('long'));
        expectBytes(await backend.get(key), utf8('long'), 'a 300-char key must round-trip');
        check(await backend.exists(key), 'exists must find a 300-char key', 'it returned false');
        check(
          (await backend.delete(key)) === true,
          'delete of a live 300-char key must be true',
          'it returned false',
        );
        check(
          (await backend.get(key)) === undefined,
          'a deleted 300-char key must be gone',
          'it is still there',
        );
      },
    },
    {
      name: 'a key of exactly 1024 UTF-8 bytes is accepted',
      why: 'the documented limit is inclusive; catches off-by-one limits and limits counted in characters or UTF-16 units',
      run: async (h) => {
        const backend = await h.create();
        const ascii = 'b'.repeat(1024);
        const multiByte = 'é'.repeat(512);
        const fourByte = '😀'.repeat(256);
        await roundTripEachDistinct(
          backend,
          [ascii, multiByte, fourByte],
          'a 1024-byte key must be accepted',
        );
      },
    },
    {
      name: 'invalid string keys (empty, over 1024 bytes, lone surrogate) are rejected on every method and nothing is stored',
      why: 'catches backends that validate on set only, or store a lone surrogate as U+FFFD (two keys then collide)',
      run: async (h) => {
        const backend = await h.create();
        for (const [label, key] of INVALID_STRING_KEYS) {
          const rule = `${label} must be rejected with PERMANENT INVALID_KEY`;
          const expected = { type: 'PERMANENT', code: 'INVALID_KEY' } as const;
          await expectBackendError(
            () => backend.set(key, utf8('v')),
            { ...expected, operation: 'set' },
            `set: ${rule}`,
          );
          await expectBackendError(
            () => backend.get(key),
            { ...expected, operation: 'get' },
            `get: ${rule}`,
          );
          await expectBackendError(
            () => backend.exists(key),
            { ...expected, operation: 'exists' },
            `exists: ${rule}`,
          );
          await expectBackendError(
            () => backend.delete(key),
            { ...expected, operation: 'delete' },
            `delete: ${rule}`,
          );
        }
        await expectNothingStored(
          backend,
          'a'.repeat(1024),
          'a rejected 1025-byte key must not be stored truncated',
        );
        await expectNothingStored(
          backend,
          'a\uFFFDb',
          'a rejected lone-surrogate key must not be stored replaced by U+FFFD',
        );
      },
    },
    {
      name: 'non-string keys are rejected, never coerced',
      why: "catches String(key) coercion, which makes 1 and '1' (or every object) the same key",
      run: async (h) => {
        const backend = await h.create();
        for (const [label, key] of NON_STRING_KEYS) {
          const rule = `${label} as a key must be rejected with PERMANENT INVALID_KEY`;
          const expected = { type: 'PERMANENT', code: 'INVALID_KEY' } as const;
          await expectBackendError(
            () => backend.set(loose(key), utf8('v')),
            expected,
            `set: ${rule}`,
          );
          await expectBackendError(() => backend.get(loose(key)), expected, `get: ${rule}`);
          await expectBackendError(() => backend.exists(loose(key)), expected, `exists: ${rule}`);
          await expectBackendError(() => backend.delete(loose(key)), expected, `delete: ${rule}`);
        }
        for (const coerced of ['123', 'null', 'undefined', 'object-key', 'a', '[object Object]']) {
          await expectNothingStored(
            backend,
            coerced,
            'a non-string key must not be stored under its string form',
          );
        }
        await backend.set('123', utf8('string'));
        await expectBackendError(
          () => backend.get(loose(123)),
          { type: 'PERMANENT', code: 'INVALID_KEY' },
          'get(123) must be rejected, not read the key "123"',
        );
      },
    },
    {
      name: 'numeric-string keys stay strings',
      why: "catches stores that parse keys as numbers ('01' and '1' collide)",
      run: async (h) => {
        const backend = await h.create();
        await roundTripEachDistinct(
          backend,
          ['123', '0123', '1e3', '1000', '-1', '0', '0.0', 'NaN'],
          'numeric-string keys must stay distinct strings',
        );
      },
    },
    {
      name: 'unicode and emoji keys round-trip (NFC and NFD forms stay distinct)',
      why: 'catches encodings that mangle non-ASCII keys, and stores that normalize Unicode so two keys collide',
      run: async (h) => {
        const backend = await h.create();
        await roundTripEachDistinct(
          backend,
          UNICODE_KEYS,
          'unicode keys must round-trip as distinct keys',
        );
      },
    },
    {
      name: 'reserved characters / .. : {}()\\@ quotes, spaces and NUL are ordinary key characters',
      why: 'catches path traversal in file stores, SQL and glob injection, and separators taken literally',
      run: async (h) => {
        const backend = await h.create();
        await roundTripEachDistinct(
          backend,
          RESERVED_CHARACTER_KEYS,
          'reserved characters must be stored safely',
        );
      },
    },
    {
      name: 'keys that collide under naive escaping or normalization stay distinct (a:b / a\\:b, a/b / a%2Fb, NFC / NFD)',
      why: 'backends that escape separators for their store (file names, Redis key patterns, URLs) without escaping the escape character, or normalize Unicode, merge different keys; each pair here is one such collision',
      run: async (h) => {
        const backend = await h.create();
        await roundTripEachDistinct(
          backend,
          LOOK_ALIKE_KEYS,
          'keys that look alike once escaped or normalized must stay distinct',
        );
        await backend.delete('a%2Fb');
        expectBytes(
          await backend.get('a/b'),
          utf8(`value-${LOOK_ALIKE_KEYS.indexOf('a/b')}`),
          'deleting "a%2Fb" must not delete "a/b"',
        );
      },
    },
    {
      name: 'keys are case-sensitive: a and A are different keys',
      why: 'catches case-insensitive file systems and collations (NTFS, APFS, SQLite NOCASE)',
      run: async (h) => {
        const backend = await h.create();
        await roundTripEachDistinct(
          backend,
          ['a', 'A', 'Key', 'KEY', 'key'],
          'keys must be case-sensitive',
        );
        await backend.delete('a');
        expectBytes(await backend.get('A'), utf8('value-1'), 'deleting "a" must not delete "A"');
      },
    },
    {
      name: 'long keys sharing a 250+ character prefix stay distinct',
      why: 'catches stores that truncate or hash only the first part of a key',
      run: async (h) => {
        const backend = await h.create();
        const prefix = 'p'.repeat(300);
        const keys = [
          ...Array.from({ length: 10 }, (_, i) => `${prefix}${i}`),
          `${'q'.repeat(1023)}a`,
          `${'q'.repeat(1023)}b`,
          `${'q'.repeat(1000)}`,
        ];
        await roundTripEachDistinct(
          backend,
          keys,
          'long keys with a shared prefix must not collide',
        );
      },
    },
  ],
};
