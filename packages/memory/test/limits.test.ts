import { BAD_TIMEOUTS_OPTIONS } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD_BYTES, entrySizeBytes, MemoryBackend } from '../src/index.js';
import { bytes, closedAfterEach, expectBackendError, text } from './helpers.js';

const create = closedAfterEach();

describe('entry limit (maxEntries)', () => {
  it('evicts the least recently used entry; get counts as a use', async () => {
    const cache = create({ maxEntries: 3 });
    await cache.set('a', bytes('1'));
    await cache.set('b', bytes('2'));
    await cache.set('c', bytes('3'));
    expect(text(await cache.get('a'))).toBe('1');
    await cache.set('d', bytes('4'));
    expect(await cache.exists('b')).toBe(false);
    expect(await cache.exists('a')).toBe(true);
    expect(await cache.exists('c')).toBe(true);
    expect(await cache.exists('d')).toBe(true);
    expect((await cache.healthCheck()).details.entries).toBe(3);
  });

  it('exists, getTtl and keys do not count as a use', async () => {
    const cache = create({ maxEntries: 3 });
    await cache.set('a', bytes('1'));
    await cache.set('b', bytes('2'));
    await cache.set('c', bytes('3'));
    expect(await cache.exists('a')).toBe(true);
    expect(await cache.getTtl('a')).toBe(Number.POSITIVE_INFINITY);
    for await (const _key of cache.keys()) {
      // listing only
    }
    await cache.set('d', bytes('4'));
    expect(await cache.exists('a')).toBe(false);
    expect(await cache.exists('b')).toBe(true);
  });

  it('set and refreshTtl count as a use', async () => {
    const cache = create({ maxEntries: 3 });
    await cache.set('a', bytes('1'));
    await cache.set('b', bytes('2'));
    await cache.set('c', bytes('3'));
    await cache.set('a', bytes('1b'));
    expect(await cache.refreshTtl('b', 60_000)).toBe(true);
    await cache.set('d', bytes('4'));
    expect(await cache.exists('c')).toBe(false);
    expect(text(await cache.get('a'))).toBe('1b');
    expect(text(await cache.get('b'))).toBe('2');
  });
});

describe('byte limit (maxBytes)', () => {
  it('counts value bytes plus the documented key overhead', async () => {
    expect(entrySizeBytes('key', 100)).toBe(100 + 3 * 2 + ENTRY_OVERHEAD_BYTES);
    const cache = create({ maxBytes: 10_000 });
    await cache.set('k1', new Uint8Array(100));
    await cache.set('k2', new Uint8Array(0));
    const health = await cache.healthCheck();
    expect(health.details.bytes).toBe(entrySizeBytes('k1', 100) + entrySizeBytes('k2', 0));
    await cache.delete('k1');
    expect((await cache.healthCheck()).details.bytes).toBe(entrySizeBytes('k2', 0));
  });

  it('evicts least recently used entries until the new one fits', async () => {
    const size = entrySizeBytes('k1', 100);
    const cache = create({ maxBytes: size * 3 });
    await cache.set('k1', new Uint8Array(100));
    await cache.set('k2', new Uint8Array(100));
    await cache.set('k3', new Uint8Array(100));
    expect(await cache.get('k1')).toBeDefined();
    await cache.set('k4', new Uint8Array(100));
    expect(await cache.exists('k2')).toBe(false);
    expect(await cache.exists('k1')).toBe(true);
    // One entry of twice the size evicts two more (k3, then k1).
    await cache.set('k5', new Uint8Array(100 + size));
    expect(await cache.exists('k3')).toBe(false);
    expect(await cache.exists('k1')).toBe(false);
    expect(await cache.exists('k4')).toBe(true);
    expect((await cache.healthCheck()).details.bytes).toBeLessThanOrEqual(size * 3);
  });

  it('rejects an entry larger than maxBytes with VALUE_TOO_LARGE and keeps the old value', async () => {
    const cache = create({ maxBytes: 1_000 });
    await cache.set('k', bytes('old'));
    await cache.set('other', bytes('x'));
    const error = await expectBackendError(
      cache.set('k', new Uint8Array(1_000)),
      'VALUE_TOO_LARGE',
      'PERMANENT',
    );
    expect(error.operation).toBe('set');
    expect(error.key).toBe('k');
    expect(text(await cache.get('k'))).toBe('old');
    expect(text(await cache.get('other'))).toBe('x');
    // The largest value that fits with its overhead is accepted.
    const largest = 1_000 - entrySizeBytes('k', 0);
    await cache.set('k', new Uint8Array(largest));
    expect((await cache.get('k'))?.byteLength).toBe(largest);
  });
});

describe('value limit (maxValueBytes)', () => {
  it('rejects larger values with VALUE_TOO_LARGE, keeps the old value, accepts the limit', async () => {
    const cache = create({ maxValueBytes: 10 });
    await cache.set('k', bytes('old'));
    await expectBackendError(cache.set('k', new Uint8Array(11)), 'VALUE_TOO_LARGE', 'PERMANENT');
    expect(text(await cache.get('k'))).toBe('old');
    await cache.set('k', new Uint8Array(10));
    expect((await cache.get('k'))?.byteLength).toBe(10);
  });

  it('defaults to maxBytes when that is set, else no limit', async () => {
    expect((await create({ maxBytes: 5_000 }).healthCheck()).details.maxValueBytes).toBe(5_000);
    const unlimited = create({});
    expect((await unlimited.healthCheck()).details.maxValueBytes).toBe(Number.POSITIVE_INFINITY);
    await unlimited.set('big', new Uint8Array(5 * 1024 * 1024));
    expect((await unlimited.get('big'))?.byteLength).toBe(5 * 1024 * 1024);
  });

  it('checks every setMany entry before storing any', async () => {
    const cache = create({ maxValueBytes: 10 });
    await expectBackendError(
      cache.setMany([
        { key: 'a', value: new Uint8Array(1) },
        { key: 'b', value: new Uint8Array(11) },
      ]),
      'VALUE_TOO_LARGE',
    );
    expect(await cache.exists('a')).toBe(false);
  });
});

describe('options', () => {
  it.each([
    [{ maxEntries: 0 }, 'maxEntries'],
    [{ maxEntries: 1.5 }, 'maxEntries'],
    [{ maxEntries: -1 }, 'maxEntries'],
    [{ maxEntries: 2 ** 32 }, 'maxEntries'],
    [{ maxBytes: 0 }, 'maxBytes'],
    [{ maxBytes: Number.NaN }, 'maxBytes'],
    [{ maxValueBytes: -1 }, 'maxValueBytes'],
    [{ purgeIntervalMs: -5 }, 'purgeIntervalMs'],
    [{ timeouts: { get: 0 } }, 'timeouts.get'],
    [{ timeouts: { nope: 5 } }, 'timeouts.nope'],
    [{ snapshot: { path: '' } }, 'snapshot.path'],
  ])('rejects %o with a TypeError naming %s', (options, name) => {
    expect(() => new MemoryBackend(options as never)).toThrow(TypeError);
    expect(() => new MemoryBackend(options as never)).toThrow(`"${name}"`);
  });

  it.each(BAD_TIMEOUTS_OPTIONS)(
    'the bad timeouts option %j is rejected with the shared message',
    (timeouts, message) => {
      const create = () => new MemoryBackend({ timeouts: timeouts as never });
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`MemoryBackend: ${message}`);
    },
  );

  it('rejects a misspelt option key, suggesting the known one', async () => {
    expect(() => new MemoryBackend({ maxEntires: 5 } as never)).toThrow(
      new TypeError('MemoryBackend: unknown option "maxEntires" (did you mean "maxEntries"?)'),
    );
    await expect(
      MemoryBackend.open({ snapshot: { path: '/tmp/x.snapshot', intervalMS: 5 } } as never),
    ).rejects.toThrow(
      new TypeError(
        'MemoryBackend snapshot: unknown option "intervalMS" (did you mean "intervalMs"?)',
      ),
    );
  });

  it('the constructor refuses a snapshot and points to open()', () => {
    expect(() => new MemoryBackend({ snapshot: { path: '/tmp/x.snapshot' } })).toThrow(
      /MemoryBackend\.open/,
    );
  });

  it('accepts Infinity for maxEntries and reports limits in healthCheck', async () => {
    const cache = create({ maxEntries: Number.POSITIVE_INFINITY, maxBytes: 1 << 24 });
    for (let i = 0; i < 20_000; i++) await cache.set(`k${i}`, new Uint8Array(1));
    const health = await cache.healthCheck();
    expect(health.healthy).toBe(true);
    expect(health.backendType).toBe('memory');
    expect(health.details).toMatchObject({
      entries: 20_000,
      maxEntries: Number.POSITIVE_INFINITY,
      maxBytes: 1 << 24,
    });
  });
});
