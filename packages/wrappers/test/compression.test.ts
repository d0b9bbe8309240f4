import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { BackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, test } from 'vitest';
import {
  COMPRESSION_HEADER_BYTES,
  COMPRESSION_MAGIC,
  CompressionBackend,
  zstdAvailable,
} from '../src/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

function setup(options: ConstructorParameters<typeof CompressionBackend>[1] = {}) {
  const inner = new MemoryBackend();
  const backend = new CompressionBackend(inner, options);
  open.push(backend);
  return { inner, backend };
}

function json(bytes: number): Buffer {
  const rows = [];
  for (let i = 0; rows.length * 60 < bytes; i += 1) {
    rows.push({ id: i, name: `user-${i}`, email: `user${i}@example.com`, active: i % 3 === 0 });
  }
  return Buffer.from(JSON.stringify(rows));
}

function header(algorithmId: number, length: number, version = 1): Buffer {
  const out = Buffer.alloc(COMPRESSION_HEADER_BYTES);
  out.set(COMPRESSION_MAGIC, 0);
  out[3] = version;
  out[4] = algorithmId;
  out.writeUInt32BE(length, 5);
  return out;
}

async function expectCorrupt(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BackendError);
  expect(error).toMatchObject({ type: 'PERMANENT', code: 'CORRUPT', operation: 'get', key: 'k' });
  expect((error as Error).message).toMatch(message);
}

describe('CompressionBackend', () => {
  test.each(['gzip', 'brotli'] as const)(
    '%s: a large JSON value is stored smaller and reads back equal',
    async (algorithm) => {
      const { inner, backend } = setup({ algorithm });
      const value = json(20_000);
      await backend.set('k', value);
      const stored = (await inner.get('k')) as Uint8Array;
      expect(stored.length).toBeLessThan(value.length / 3);
      expect([...stored.subarray(0, 3)]).toEqual(COMPRESSION_MAGIC);
      expect(Buffer.from((await backend.get('k')) as Uint8Array).equals(value)).toBe(true);
    },
  );

  test('values above 64 KiB go through the async zlib path and round-trip', async () => {
    const { inner, backend } = setup();
    const value = json(1024 * 1024);
    await backend.set('k', value);
    expect(((await inner.get('k')) as Uint8Array).length).toBeLessThan(value.length / 3);
    expect(Buffer.from((await backend.get('k')) as Uint8Array).equals(value)).toBe(true);
  });

  test('values under the threshold and values that do not shrink are stored as they are', async () => {
    const { inner, backend } = setup({ thresholdBytes: 100 });
    const small = Buffer.from('{"a":1}');
    const random = randomBytes(4096);
    await backend.set('small', small);
    await backend.set('random', random);
    expect(Buffer.from((await inner.get('small')) as Uint8Array).equals(small)).toBe(true);
    expect(Buffer.from((await inner.get('random')) as Uint8Array).equals(random)).toBe(true);
  });

  test('plain entries written before the wrapper coexist with compressed ones', async () => {
    const { inner, backend } = setup();
    await inner.set('old', Buffer.from('written without compression'));
    await backend.set('new', json(5000));
    expect(Buffer.from((await backend.get('old')) as Uint8Array).toString()).toBe(
      'written without compression',
    );
    const [old, fresh] = (await backend.getMany?.(['old', 'new'])) ?? [];
    expect(Buffer.from(old as Uint8Array).toString()).toBe('written without compression');
    expect(Buffer.from(fresh as Uint8Array).equals(json(5000))).toBe(true);
  });

  test('a plain value that starts with the magic bytes round-trips (small, and large but incompressible)', async () => {
    const { inner, backend } = setup({ thresholdBytes: 64 });
    const small = Buffer.from([...COMPRESSION_MAGIC, 1, 2, 0, 0, 0, 9, 42]);
    const exactMagic = Buffer.from(COMPRESSION_MAGIC);
    const large = Buffer.concat([Buffer.from(COMPRESSION_MAGIC), randomBytes(2000)]);
    for (const [key, value] of [
      ['small', small],
      ['magic', exactMagic],
      ['large', large],
    ] as const) {
      await backend.set(key, value);
      expect(Buffer.from((await backend.get(key)) as Uint8Array).equals(value)).toBe(true);
      // Stored behind a "stored as is" header (algorithm id 0).
      const stored = (await inner.get(key)) as Uint8Array;
      expect(stored[4]).toBe(0);
      expect(stored.length).toBe(value.length + COMPRESSION_HEADER_BYTES);
    }
  });

  test('entries written with another algorithm stay readable after the algorithm changes', async () => {
    const inner = new MemoryBackend();
    open.push(inner);
    const gzip = new CompressionBackend(inner, { algorithm: 'gzip', closeInner: false });
    const brotli = new CompressionBackend(inner, { algorithm: 'brotli', closeInner: false });
    await gzip.set('a', json(4000));
    await brotli.set('b', json(4000));
    expect((await inner.get('a'))?.[4]).toBe(1);
    expect((await inner.get('b'))?.[4]).toBe(2);
    expect(Buffer.from((await brotli.get('a')) as Uint8Array).equals(json(4000))).toBe(true);
    expect(Buffer.from((await gzip.get('b')) as Uint8Array).equals(json(4000))).toBe(true);
  });

  test('a decompression bomb whose header claims more than maxDecompressedBytes is CORRUPT', async () => {
    const { inner, backend } = setup({ maxDecompressedBytes: 1024 * 1024 });
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024));
    await inner.set('k', Buffer.concat([header(1, 32 * 1024 * 1024), bomb]));
    await expectCorrupt(backend.get('k'), /more than maxDecompressedBytes/);
  });

  test('a decompression bomb whose header lies about its size is cut off at the claimed size: CORRUPT', async () => {
    const { inner, backend } = setup({ maxDecompressedBytes: 1024 * 1024 });
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024));
    await inner.set('k', Buffer.concat([header(1, 1000), bomb]));
    const before = process.memoryUsage().arrayBuffers;
    await expectCorrupt(backend.get('k'), /does not decompress to 1000 bytes/);
    // The 32 MiB were never materialised.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  test('damaged entries are PERMANENT CORRUPT errors, never garbage bytes', async () => {
    const { inner, backend } = setup();
    await backend.set('k', json(4000));
    const good = Buffer.from((await inner.get('k')) as Uint8Array);
    const cases: [Buffer, RegExp][] = [
      [Buffer.concat([good.subarray(0, 20), Buffer.alloc(40, 7)]), /brotli data/],
      [good.subarray(0, 6), /truncated header/],
      [
        Buffer.concat([header(2, 4000, 9), good.subarray(COMPRESSION_HEADER_BYTES)]),
        /unknown format version 9/,
      ],
      [
        Buffer.concat([header(77, 4000), good.subarray(COMPRESSION_HEADER_BYTES)]),
        /algorithm id 77 is unknown/,
      ],
      [Buffer.concat([header(0, 5), Buffer.from('abc')]), /stored length/],
    ];
    for (const [bytes, message] of cases) {
      await inner.set('k', bytes);
      await expectCorrupt(backend.get('k'), message);
    }
  });

  test.runIf(!zstdAvailable())(
    'a zstd entry on a Node.js without zstd is CORRUPT, naming the version',
    async () => {
      const { inner, backend } = setup();
      await inner.set('k', Buffer.concat([header(3, 10), Buffer.alloc(10)]));
      await expectCorrupt(backend.get('k'), new RegExp(`algorithm id 3 .*${process.version}`));
    },
  );

  test('bad options throw a TypeError naming the option', () => {
    const inner = new MemoryBackend();
    open.push(inner);
    const bad: [unknown, RegExp][] = [
      [{ algorithm: 'lz4' }, /option "algorithm"/],
      [{ algorithm: 'gzip', level: 12 }, /option "level" must be an integer from 1 to 9/],
      [{ level: 1.5 }, /option "level"/],
      [{ thresholdBytes: 0 }, /option "thresholdBytes"/],
      [{ maxDecompressedBytes: -1 }, /option "maxDecompressedBytes"/],
      [{ closeInner: 'yes' }, /option "closeInner"/],
      [null, /options must be an object/],
    ];
    if (!zstdAvailable()) bad.push([{ algorithm: 'zstd' }, /'zstd' needs node:zlib zstd/]);
    for (const [options, message] of bad) {
      expect(() => new CompressionBackend(inner, options as never)).toThrow(TypeError);
      expect(() => new CompressionBackend(inner, options as never)).toThrow(message);
    }
    expect(() => new CompressionBackend({} as never)).toThrow(
      /the wrapped backend must be a cachestack backend/,
    );
  });
});

test.runIf(zstdAvailable())('zstd (where node:zlib offers it) round-trips', async () => {
  const inner = new MemoryBackend();
  const backend = new CompressionBackend(inner, { algorithm: 'zstd' });
  const value = Buffer.from(JSON.stringify(Array.from({ length: 300 }, (_, id) => ({ id }))));
  await backend.set('k', value);
  expect((await inner.get('k'))?.[4]).toBe(3);
  expect(Buffer.from((await backend.get('k')) as Uint8Array).equals(value)).toBe(true);
  await backend.close();
});
