import {
  type BaseBackend,
  isBackendError,
  LOCAL_READ,
  LOCAL_READ_UNAVAILABLE,
} from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { baseOnly, rejection } from '@cachestack/test-support';
import { afterEach, describe, expect, test } from 'vitest';
import { encodeEnvelope } from '../src/entry-envelope.js';
import {
  createCache,
  DefaultSerializerTag,
  defaultSerializer,
  ENVELOPE_HEADER_BYTES,
  type Serializer,
} from '../src/index.js';

// The facade's hot paths: the default serializer encodes in place behind the
// entry header, and a backend that reads synchronously (core's local-read
// protocol, MemoryBackend) is answered without the async read path. Each
// behaviour is checked over both paths on the same store: MemoryBackend
// itself, and `baseOnly` of it (plain get/set, no local read).

const backends: MemoryBackend[] = [];
afterEach(async () => {
  await Promise.all(backends.splice(0).map((backend) => backend.close()));
});

function memory(): MemoryBackend {
  const backend = new MemoryBackend();
  backends.push(backend);
  return backend;
}

const paths: [string, (store: MemoryBackend) => BaseBackend][] = [
  ['local read (MemoryBackend)', (store) => store],
  ['async read (get only)', (store) => baseOnly(store)],
];

/** A string of `size` printable ASCII characters. */
function asciiText(size: number): string {
  let text = '';
  for (let i = 0; i < size; i++) text += String.fromCharCode(33 + ((i * 31 + 7) % 94));
  return text;
}

const strings: [string, string][] = [
  ['empty', ''],
  ['ASCII, 100 B', asciiText(100)],
  ['ASCII, 10 KiB', asciiText(10_240)],
  ['ASCII with U+0000 and control characters', 'a\u0000\u0001\tb\u007f'],
  ['Latin-1 (not ASCII)', 'café crème'],
  ['emoji and U+0000', 'a🚀\u0000b'],
  ['non-ASCII, 10 KiB', `${asciiText(5_000)}é${asciiText(5_000)}🚀`],
  ['leading U+FEFF (a byte-order mark)', '\uFEFFhello'],
  ['only U+FEFF', '\uFEFF'],
  ['lone surrogate (written as tagged JSON)', 'a\uD800b'],
];

describe.each(paths)('hot paths over %s', (_name, wrap) => {
  test.each(strings)('a string round-trips exactly: %s', async (_label, text) => {
    const cache = createCache({ backend: wrap(memory()) });
    await cache.set('k', text);
    expect(await cache.get('k')).toBe(text);
    expect(await cache.getOrSet('k', () => 'loaded')).toBe(text);
  });

  test('the stored bytes are the header followed by exactly what serialize writes', async () => {
    const store = memory();
    const cache = createCache({ backend: wrap(store) });
    const values: unknown[] = [
      ...strings.map(([, text]) => text),
      0,
      -0,
      Number.NaN,
      1.5,
      new Uint8Array([0, 1, 255]),
      Buffer.from('buffer'),
      { a: [1, 'two', null], d: new Date(0) },
      null,
    ];
    for (const [i, value] of values.entries()) {
      await cache.set(`k${i}`, value, { ttlMs: 60_000 });
      const stored = (await store.get(`k${i}`)) as Uint8Array;
      const view = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
      const freshUntil = view.readDoubleLE(2);
      const expected = encodeEnvelope(defaultSerializer.serialize(value), freshUntil, freshUntil);
      expect(view.toString('hex'), `value ${i}`).toBe(Buffer.from(expected).toString('hex'));
    }
    await cache.set('forever', 'x');
    const forever = (await store.get('forever')) as Buffer;
    expect([...forever]).toEqual([
      ...encodeEnvelope(
        Uint8Array.of(DefaultSerializerTag.STRING, 0x78),
        Number.POSITIVE_INFINITY,
        Number.POSITIVE_INFINITY,
      ),
    ]);
  });

  test('a tagged entry keeps its tag block between the header and the payload', async () => {
    const store = memory();
    const cache = createCache({ backend: wrap(store) });
    await cache.set('k', 'tagged value', { tags: ['t1', 'ü'] });
    const stored = (await store.get('k')) as Buffer;
    expect(stored[1]).toBe(1); // the tags flag
    const payload = defaultSerializer.serialize('tagged value');
    expect(Buffer.from(stored.subarray(stored.byteLength - payload.byteLength))).toEqual(
      Buffer.from(payload),
    );
    expect(await cache.get('k')).toBe('tagged value');
    await cache.invalidateTags(['ü']);
    expect(await cache.get('k')).toBeUndefined();
  });

  test('each set hands the backend bytes of its own: a later set never changes them', async () => {
    const kept: Uint8Array[] = [];
    const store = memory();
    const inner = wrap(store);
    const recording: BaseBackend = {
      ...baseOnly(inner),
      set: (key, value, ttlMs) => {
        kept.push(value);
        return inner.set(key, value, ttlMs);
      },
    };
    const cache = createCache({ backend: recording });
    for (let i = 0; i < 200; i++) await cache.set(`k${i}`, `value ${i}`);
    kept.forEach((bytes, i) => {
      expect(defaultSerializer.deserialize(bytes.subarray(ENVELOPE_HEADER_BYTES))).toBe(
        `value ${i}`,
      );
    });
  });

  test('hits, misses, stats and events are counted once per call (has counts none)', async () => {
    const cache = createCache({ backend: wrap(memory()) });
    const events: string[] = [];
    cache.on('hit', ({ key }) => events.push(`hit ${key}`));
    cache.on('miss', ({ key }) => events.push(`miss ${key}`));
    await cache.set('a', 'A');
    expect(await cache.get('a')).toBe('A');
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.getOrSet('a', () => 'never')).toBe('A');
    expect(await cache.getOrSet('c', () => 'C')).toBe('C');
    expect(await cache.has('a')).toBe(true);
    expect(await cache.has('b')).toBe(false);
    expect(events).toEqual(['hit a', 'miss b', 'hit a', 'miss c']);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 2, sets: 2, loaderCalls: 1 });
  });

  test('stale entries are misses for get and served within grace by getOrSet', async () => {
    const store = memory();
    const cache = createCache({ backend: wrap(store) });
    const past = Date.now() - 1_000;
    const payload = defaultSerializer.serialize('old');
    await store.set('k', encodeEnvelope(payload, past, Date.now() + 60_000));
    expect(await cache.get('k')).toBeUndefined();
    const served = await cache.getOrSet(
      'k',
      () => {
        throw new Error('loader down');
      },
      { graceMs: 60_000 },
    );
    expect(served).toBe('old');
  });

  test.each([
    ['not an entry', Buffer.from('plain bytes, no header')],
    [
      'a string entry that is not UTF-8',
      encodeEnvelope(Uint8Array.of(DefaultSerializerTag.STRING, 0xff, 0xfe), 8e15, 8e15),
    ],
  ])(
    'corrupt bytes (%s): a miss that deletes them, or CORRUPT with onCorrupt throw',
    async (_label, bytes) => {
      const store = memory();
      const errors: string[] = [];
      const cache = createCache({ backend: wrap(store) });
      cache.on('error', ({ error }) => errors.push(isBackendError(error) ? error.code : 'raw'));
      await store.set('k', bytes);
      expect(await cache.get('k')).toBeUndefined();
      expect(errors).toEqual(['CORRUPT']);
      expect(await store.exists('k')).toBe(false);

      await store.set('k', bytes);
      const strict = createCache({ backend: wrap(store), onCorrupt: 'throw' });
      const error = await rejection(strict.get('k'));
      expect(error).toMatchObject({ code: 'CORRUPT', type: 'PERMANENT', operation: 'deserialize' });
      expect(await store.exists('k')).toBe(true);
    },
  );

  test('a custom serializer is copied behind the header, unchanged', async () => {
    const store = memory();
    const json: Serializer = {
      serialize: (value) => new TextEncoder().encode(JSON.stringify(value)),
      deserialize: (bytes) => JSON.parse(new TextDecoder().decode(bytes)),
    };
    const cache = createCache({ backend: wrap(store), serializer: json });
    await cache.set('k', { a: 1 });
    const stored = (await store.get('k')) as Buffer;
    expect(Buffer.from(stored.subarray(ENVELOPE_HEADER_BYTES)).toString()).toBe('{"a":1}');
    expect(await cache.get('k')).toEqual({ a: 1 });
  });
});

/**
 * A MemoryBackend whose reads fail with a raw system error, through both
 * `get` and the local read (which must throw what `get` rejects with).
 */
function failingReads(): BaseBackend & { [LOCAL_READ]: (key: string) => never } {
  const store = memory();
  const fail = (): never => {
    throw Object.assign(new Error('read failed'), { code: 'ECONNRESET' });
  };
  return {
    ...baseOnly(store),
    get: async () => fail(),
    [LOCAL_READ]: () => fail(),
  };
}

describe('a backend whose local read throws', () => {
  test('get and getOrSet reject with a classified BackendError, counted and emitted', async () => {
    const cache = createCache({ backend: failingReads() });
    const handled: boolean[] = [];
    cache.on('error', (event) => handled.push(event.handled));
    for (const call of [() => cache.get('k'), () => cache.getOrSet('k', () => 'v')]) {
      const error = await rejection(call());
      expect(isBackendError(error)).toBe(true);
      expect(error).toMatchObject({ type: 'TRANSIENT', key: 'k' });
      expect(error.cause).toMatchObject({ code: 'ECONNRESET' });
    }
    expect(handled).toEqual([false, false]);
    expect(cache.stats().errors).toBe(2);
  });

  test('with failOpen, get resolves as a miss and getOrSet loads', async () => {
    const cache = createCache({ backend: failingReads(), failOpen: true });
    expect(await cache.get('k')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ errors: 1, misses: 1 });
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded');
    expect(cache.stats()).toMatchObject({ errors: 2, misses: 2, loaderCalls: 1 });
  });

  test('a local read that is unavailable falls back to get', async () => {
    const store = memory();
    await createCache({ backend: store }).set('k', 'v');
    let localReads = 0;
    const unavailable = {
      ...baseOnly(store),
      [LOCAL_READ]: () => {
        localReads++;
        return LOCAL_READ_UNAVAILABLE;
      },
    };
    const cache = createCache({ backend: unavailable });
    expect(await cache.get('k')).toBe('v');
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('v');
    expect(localReads).toBe(2);
  });
});
