import { BackendError, type BackendErrorType } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { ReferenceBackend, ReferenceStore } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { BackendCacheStore, type CacheStoreErrorContext } from '../src/index.js';
import { bodyText, keyFor, valueFor, writeBody } from './helpers.js';

function recording() {
  const errors: Array<{ error: BackendError; context: CacheStoreErrorContext }> = [];
  return {
    errors,
    onError: (error: BackendError, context: CacheStoreErrorContext) =>
      errors.push({ error, context }),
  };
}

function failing(type: BackendErrorType = 'TRANSIENT', code = 'UNAVAILABLE') {
  return new BackendError({ type, code, message: 'injected', operation: 'any' });
}

describe('a failing backend never breaks a request', () => {
  it('a failed read is a miss, reported as a classified BackendError', async () => {
    const backend = new ReferenceBackend();
    const { errors, onError } = recording();
    const store = new BackendCacheStore({ backend, onError });
    await writeBody(store.createWriteStream(keyFor('/x'), valueFor()), ['cached']);
    backend.failWith = failing();
    await expect(store.get(keyFor('/x'))).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toBeInstanceOf(BackendError);
    expect(errors[0]?.error.code).toBe('UNAVAILABLE');
    expect(errors[0]?.context).toEqual({
      operation: 'get',
      origin: 'http://origin.test',
      path: '/x',
    });
    backend.failWith = undefined;
    expect(await bodyText(await store.get(keyFor('/x')))).toBe('cached');
  });

  it('a failed write stores nothing, the stream still finishes without an error event', async () => {
    const backend = new ReferenceBackend();
    const { errors, onError } = recording();
    const store = new BackendCacheStore({ backend, onError });
    backend.failWith = failing();
    const stream = store.createWriteStream(keyFor('/w'), valueFor());
    let streamError: unknown;
    stream.on('error', (error) => {
      streamError = error;
    });
    await writeBody(stream, ['body']);
    expect(stream.writableFinished).toBe(true);
    expect(streamError).toBeUndefined();
    expect(errors.map((entry) => entry.context.operation)).toContain('write');
    backend.failWith = undefined;
    expect(await store.get(keyFor('/w'))).toBeUndefined();
  });

  it('a write whose index update fails leaves no orphan response value behind', async () => {
    const shared = new ReferenceStore();
    const backend = new ReferenceBackend(shared, 'ns');
    const store = new BackendCacheStore({ backend, onError: () => {} });
    // Fail only the second set (the index): the response value was written first.
    const originalSet = backend.set.bind(backend);
    let sets = 0;
    backend.set = async (key, value, ttlMs) => {
      sets++;
      if (sets === 2) throw failing();
      return originalSet(key, value, ttlMs);
    };
    await writeBody(store.createWriteStream(keyFor('/o'), valueFor()), ['body']);
    const keys: string[] = [];
    for await (const key of backend.keys('')) keys.push(key);
    expect(keys).toEqual([]);
  });

  it('a failed delete resolves and is reported', async () => {
    const backend = new ReferenceBackend();
    const { errors, onError } = recording();
    const store = new BackendCacheStore({ backend, onError });
    backend.failWith = failing('PERMANENT', 'CLOSED');
    await expect(store.delete(keyFor('/d'))).resolves.toBeUndefined();
    expect(errors[0]?.context.operation).toBe('delete');
    expect(errors[0]?.error.code).toBe('CLOSED');
  });

  it('a slow backend turns into a miss after timeoutMs (TIMEOUT reported)', async () => {
    const shared = new ReferenceStore();
    const backend = new ReferenceBackend(shared, 'ns');
    const { errors, onError } = recording();
    const store = new BackendCacheStore({ backend, onError, timeoutMs: 50 });
    shared.delayMs = 3000;
    const started = performance.now();
    await expect(store.get(keyFor('/slow'))).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(errors[0]?.error.type).toBe('TIMEOUT');
    shared.delayMs = 0;
  });

  it('a throwing onError does not break the request', async () => {
    const backend = new ReferenceBackend();
    const store = new BackendCacheStore({
      backend,
      onError: () => {
        throw new Error('listener bug');
      },
    });
    backend.failWith = failing();
    await expect(store.get(keyFor('/t'))).resolves.toBeUndefined();
  });

  it('a corrupt index or entry is a miss (CORRUPT), and the next write repairs it', async () => {
    const backend = new MemoryBackend();
    const { errors, onError } = recording();
    const store = new BackendCacheStore({ backend, onError });
    await writeBody(store.createWriteStream(keyFor('/c'), valueFor()), ['good']);
    const keys: string[] = [];
    for await (const key of backend.keys('undici-cache:')) keys.push(key);
    const indexKey = keys.find((key) => key.startsWith('undici-cache:i:')) as string;
    const entryKey = keys.find((key) => key.startsWith('undici-cache:e:')) as string;
    await backend.set(entryKey, Buffer.from('CSU1garbage'));
    expect(await store.get(keyFor('/c'))).toBeUndefined();
    expect(errors.at(-1)?.error.code).toBe('CORRUPT');
    await backend.set(indexKey, Buffer.from('{not json'));
    expect(await store.get(keyFor('/c'))).toBeUndefined();
    expect(errors.at(-1)?.error.code).toBe('CORRUPT');
    await writeBody(store.createWriteStream(keyFor('/c'), valueFor()), ['repaired']);
    expect(await bodyText(await store.get(keyFor('/c')))).toBe('repaired');
    await backend.close();
  });
});

describe('sync and async reads', () => {
  it('answers synchronously over the memory backend (as undici own stores do)', async () => {
    const backend = new MemoryBackend();
    const store = new BackendCacheStore({ backend });
    expect(store.get(keyFor('/s'))).toBeUndefined();
    await writeBody(store.createWriteStream(keyFor('/s'), valueFor()), ['sync']);
    const result = store.get(keyFor('/s'));
    expect(result).not.toBeInstanceOf(Promise);
    expect(await bodyText(result as Awaited<typeof result>)).toBe('sync');
    await backend.close();
  });

  it('returns a promise over a backend without local reads', async () => {
    const store = new BackendCacheStore({ backend: new ReferenceBackend() });
    const result = store.get(keyFor('/a'));
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBeUndefined();
  });

  it('rejects malformed keys and values with a TypeError, as undici stores do', () => {
    const store = new BackendCacheStore({ backend: new ReferenceBackend() });
    expect(() => store.get('x' as never)).toThrow(TypeError);
    expect(() => store.get({ origin: 'o', path: '/' } as never)).toThrow(/key.method/);
    expect(() => store.createWriteStream(keyFor('/'), { statusCode: 200 } as never)).toThrow(
      /value.cachedAt/,
    );
    expect(() => store.delete(null as never)).toThrow(TypeError);
  });
});

describe('options', () => {
  const backend = new ReferenceBackend();
  it.each([
    [{}, /option "backend"/],
    [{ backend: {} }, /option "backend"/],
    [{ backend, maxEntrySize: -1 }, /option "maxEntrySize"/],
    [{ backend, maxEntrySize: 1.5 }, /option "maxEntrySize"/],
    [{ backend, maxVariantsPerPath: 0 }, /option "maxVariantsPerPath"/],
    [{ backend, timeoutMs: 0 }, /option "timeoutMs"/],
    [{ backend, timeoutMs: Number.POSITIVE_INFINITY }, /option "timeoutMs"/],
    [{ backend, lockWaitMs: -5 }, /option "lockWaitMs"/],
    [{ backend, prefix: 42 }, /option "prefix"/],
    [{ backend, onError: 'log' }, /option "onError"/],
  ])('rejects %o with a TypeError naming the option', (options, message) => {
    expect(() => new BackendCacheStore(options as never)).toThrow(TypeError);
    expect(() => new BackendCacheStore(options as never)).toThrow(message);
  });

  it('rejects a misspelt option with a TypeError suggesting the right name', () => {
    expect(() => new BackendCacheStore({ backend, maxEntrySise: 10 } as never)).toThrow(
      new TypeError(
        'BackendCacheStore: unknown option "maxEntrySise" (did you mean "maxEntrySize"?)',
      ),
    );
  });

  it('rejects a missing options object', () => {
    expect(() => new BackendCacheStore(undefined as never)).toThrow(TypeError);
  });

  it('stores with different prefixes on one backend do not see each other', async () => {
    const shared = new MemoryBackend();
    const a = new BackendCacheStore({ backend: shared, prefix: 'a:' });
    const b = new BackendCacheStore({ backend: shared, prefix: 'b:' });
    await writeBody(a.createWriteStream(keyFor('/p'), valueFor()), ['a']);
    expect(await a.get(keyFor('/p'))).toBeDefined();
    expect(await b.get(keyFor('/p'))).toBeUndefined();
    await shared.close();
  });
});
