import {
  BORROWED_READ,
  isBackendError,
  LOCAL_READ_UNAVAILABLE,
  TRACING_CHANNEL_NAMES,
  TRANSFERRED_SET,
} from '@cachestack/core';
import { MemoryBackend, type MemoryBackendOptions } from '@cachestack/memory';
import { recordTraces, rejection, settled } from '@cachestack/test-support';
import { afterEach, describe, expect, onTestFinished, test } from 'vitest';
import { createCache, type Serializer } from '../src/index.js';

// Zero-copy hand-over between the facade and MemoryBackend (core's
// borrowed-read and transferred-set protocols), on a real MemoryBackend:
// subclasses only record what crosses the boundary, or end a loan the way a
// backend that reuses its memory would.

const SIZE = 10 * 1024;

/** A real MemoryBackend that records what the facade hands over and how often it borrows. */
class RecordingBackend extends MemoryBackend {
  readonly handed: Uint8Array[] = [];
  loans = 0;
  override [TRANSFERRED_SET](key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    this.handed.push(value);
    return super[TRANSFERRED_SET](key, value, ttlMs);
  }
  override [BORROWED_READ]<T>(
    key: string,
    use: (view: Uint8Array | undefined) => T,
  ): T | typeof LOCAL_READ_UNAVAILABLE {
    const answer = super[BORROWED_READ](key, (view) => {
      this.loans++;
      return use(view);
    });
    return answer;
  }
  /** Test-only check: the stored array itself. */
  stored(key: string): Uint8Array | undefined {
    const seen = super[BORROWED_READ](key, (view) => view);
    if (seen === LOCAL_READ_UNAVAILABLE) throw new Error('borrowed read declined');
    return seen;
  }
}

/**
 * A real MemoryBackend whose loans end as the protocol allows: the lent
 * bytes are a scratch copy, overwritten as soon as `use` returns. Anything
 * the facade kept of a view would show the scribble.
 */
class ScribblingLender extends MemoryBackend {
  loans = 0;
  override [BORROWED_READ]<T>(
    key: string,
    use: (view: Uint8Array | undefined) => T,
  ): T | typeof LOCAL_READ_UNAVAILABLE {
    return super[BORROWED_READ](key, (view) => {
      if (view === undefined) return use(undefined);
      this.loans++;
      const scratch = Buffer.from(view);
      try {
        return use(scratch);
      } finally {
        scratch.fill(0xee);
      }
    });
  }
}

const open: MemoryBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});
function make<B extends MemoryBackend>(
  Kind: new (options?: MemoryBackendOptions) => B,
  options?: MemoryBackendOptions,
): B {
  const backend = new Kind(options);
  open.push(backend);
  return backend;
}

const text = (size: number) => {
  let out = '';
  for (let i = 0; i < size; i++) out += String.fromCharCode(33 + ((i * 31 + 7) % 94));
  return out;
};
const bytes = (size: number, byte: number) => new Uint8Array(size).fill(byte);

/** Every kind of value the default serializer supports, large where a kind can be. */
const KINDS: [string, () => unknown][] = [
  ['ASCII string', () => text(SIZE)],
  ['non-ASCII string', () => `é€😀${text(SIZE)}`],
  ['number', () => -0.5],
  ['Uint8Array', () => bytes(SIZE, 7)],
  ['Buffer', () => Buffer.alloc(SIZE, 9)],
  ['small Uint8Array', () => bytes(16, 3)],
  ['empty Buffer', () => Buffer.alloc(0)],
  [
    'object with every special kind',
    () => ({
      bytes: bytes(SIZE, 1),
      buffer: Buffer.alloc(64, 2),
      list: [1, 'two', { three: 3 }],
      map: new Map<string, unknown>([['k', bytes(8, 4)]]),
      set: new Set([1, 2]),
      date: new Date(86_400_000),
      big: 12345678901234567890n,
      missing: undefined,
      text: text(SIZE),
    }),
  ],
  // biome-ignore lint/suspicious/noSparseArray: holes are a supported kind
  ['sparse array', () => [1, , bytes(4, 5), , 'x']],
  ['BigInt', () => 42n],
  ['null', () => null],
  ['boolean', () => true],
];

/** Mutates everything reachable from `value` that can be mutated. */
function scribble(value: unknown, seen = new Set<unknown>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Uint8Array) {
    value.fill(0xaa);
  } else if (value instanceof Date) {
    value.setTime(0);
  } else if (value instanceof Map) {
    for (const item of value.values()) scribble(item, seen);
    value.set('added', 1);
  } else if (value instanceof Set) {
    value.add('added');
  } else if (Array.isArray(value)) {
    for (const item of value) scribble(item, seen);
    value.push('added');
  } else {
    for (const item of Object.values(value)) scribble(item, seen);
    (value as Record<string, unknown>).added = 1;
  }
}

describe('borrowed read: nothing the facade returns is a view of storage', () => {
  test.each(KINDS)(
    '%s: mutating what get and getOrSet return never changes the store',
    async (_kind, value) => {
      const backend = make(RecordingBackend);
      const cache = createCache({ backend });
      await cache.set('k', value());
      scribble(await cache.get('k'));
      scribble(await cache.getOrSet('k', async () => 'never loaded'));
      expect(await cache.get('k')).toEqual(value());
      expect(backend.loans).toBeGreaterThanOrEqual(3);
    },
  );

  test.each(KINDS)(
    '%s: decoded while the loan lasts (untagged, tagged, stale)',
    async (_kind, value) => {
      const backend = make(ScribblingLender);
      const cache = createCache({ backend });
      await cache.set('plain', value());
      await cache.set('tagged', value(), { tags: ['t'] });
      await cache.getOrSet('graced', async () => value(), { ttlMs: 1, graceMs: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await cache.get('plain')).toEqual(value());
      expect(await cache.get('tagged')).toEqual(value());
      const stale = await cache.getOrSet(
        'graced',
        async () => {
          throw new Error('loader down');
        },
        { ttlMs: 1, graceMs: 60_000 },
      );
      expect(stale).toEqual(value());
      expect(backend.loans).toBeGreaterThanOrEqual(3);
    },
  );

  test('a custom serializer never borrows (it may return views of its input)', async () => {
    const raw: Serializer = {
      name: 'raw',
      serialize: (value) => value as Uint8Array,
      deserialize: (input) => input,
    };
    const backend = make(RecordingBackend);
    const cache = createCache({ backend, serializer: raw });
    const value = bytes(SIZE, 7);
    await cache.set('k', value);
    value.fill(1); // the facade copied the serializer's bytes into an entry of its own
    const first = (await cache.get('k')) as Uint8Array;
    first.fill(2);
    expect(Buffer.from((await cache.get('k')) as Uint8Array)).toEqual(Buffer.alloc(SIZE, 7));
    expect(backend.loans).toBe(0);
  });
});

describe('transferred set: the facade hands over the entry it built', () => {
  test('set, tagged set and a getOrSet fill are kept without a copy', async () => {
    const backend = make(RecordingBackend);
    const cache = createCache({ backend, namespace: 'app' });
    await cache.set('a', text(SIZE));
    await cache.set('b', text(SIZE), { tags: ['t'] });
    await cache.getOrSet('c', async () => bytes(SIZE, 3));
    expect(backend.handed).toHaveLength(3);
    const [a, b, c] = backend.handed as [Uint8Array, Uint8Array, Uint8Array];
    expect(backend.stored('app:a')).toBe(a);
    expect(backend.stored('app:b')).toBe(b);
    expect(backend.stored('app:c')).toBe(c);
    expect(await cache.get('a')).toBe(text(SIZE));
    expect(await cache.get('b')).toBe(text(SIZE));
    expect(await cache.get('c')).toEqual(bytes(SIZE, 3));
  });

  test('a value the caller passed in is never what the backend keeps', async () => {
    const backend = make(RecordingBackend);
    const cache = createCache({ backend });
    const value = Buffer.alloc(SIZE, 5);
    await cache.set('k', value);
    expect(backend.handed[0]?.buffer).not.toBe(value.buffer);
    value.fill(0);
    expect(await cache.get('k')).toEqual(Buffer.alloc(SIZE, 5));
  });

  test('small entries (pool slices) are copied by the backend, not kept', async () => {
    const backend = make(RecordingBackend);
    const cache = createCache({ backend });
    await cache.set('k', 'small');
    expect(backend.handed).toHaveLength(1);
    expect(backend.stored('k')).not.toBe(backend.handed[0]);
    expect(await cache.get('k')).toBe('small');
  });
});

describe('declines fall back to the copying path', () => {
  test('a default time limit on get: values still right, nothing borrowed', async () => {
    const backend = make(RecordingBackend, { timeouts: { get: 1_000 } });
    const cache = createCache({ backend });
    for (const [, value] of KINDS) {
      await cache.set('k', value());
      const read = await cache.get('k');
      expect(read).toEqual(value());
      scribble(read);
      expect(await cache.get('k')).toEqual(value());
    }
    expect(backend.loans).toBe(0);
  });

  test('a scoped time limit (withTimeout) on get', async () => {
    const backend = make(RecordingBackend);
    const cache = createCache({ backend });
    await cache.set('k', text(SIZE));
    expect(await backend.withTimeout('get', 1_000, () => cache.get('k'))).toBe(text(SIZE));
    expect(backend.loans).toBe(0);
  });

  test('a closed backend: get rejects with CLOSED as before', async () => {
    const backend = make(RecordingBackend);
    const cache = createCache({ backend });
    await cache.set('k', text(SIZE));
    await backend.close();
    const error = await rejection(cache.get('k'));
    expect(isBackendError(error) && error.code).toBe('CLOSED');
    expect(backend.loans).toBe(0);
  });

  test('a tracing subscriber sees every backend operation of a 10 KiB set and get', async () => {
    const backend = make(RecordingBackend);
    const cache = createCache({ backend });
    const recording = recordTraces(TRACING_CHANNEL_NAMES.backend, {
      filter: (context) => context.backendType === 'memory',
      stopWith: onTestFinished,
    });
    await cache.set('k', text(SIZE));
    expect(await cache.get('k')).toBe(text(SIZE));
    expect(await cache.get('missing')).toBeUndefined();
    expect(settled(recording.events).map((c) => [c.operation, c.key, c.outcome])).toEqual([
      ['set', 'k', 'ok'],
      ['get', 'k', 'hit'],
      ['get', 'missing', 'miss'],
    ]);
    expect(backend.loans).toBe(0);
    expect(backend.handed).toHaveLength(1);
  });
});
