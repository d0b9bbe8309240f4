import { describe, expect, it } from 'vitest';
import { EntryStore } from '../src/entry-store.js';
import { entrySizeBytes } from '../src/memory-backend-options.js';
import { bytesOf, INLINE_MAX_BYTES, StoredValueFactory } from '../src/stored-value.js';
import { closedAfterEach } from './helpers.js';

const create = closedAfterEach();
const limits = { maxEntries: 100, maxBytes: Number.POSITIVE_INFINITY, maxValueBytes: 1 << 20 };

/** `length` bytes cycling through every byte value, starting at `start`. */
function everyByte(length: number, start = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i + start) & 0xff);
}

describe('stored values (small ones as Latin-1 strings, decoded on every read)', () => {
  for (const length of [0, 1, 256, INLINE_MAX_BYTES, INLINE_MAX_BYTES + 1, 70_000]) {
    it(`every byte value round-trips at ${length} bytes, on every read`, async () => {
      const cache = create();
      const value = everyByte(length, 200);
      await cache.set('k', value);
      const first = await cache.get('k');
      const second = await cache.get('k');
      expect(first).toEqual(Buffer.from(value));
      expect(second).toEqual(Buffer.from(value));
      expect(first).not.toBe(second);
    });
  }

  it('stores only the viewed bytes of a Uint8Array (not a Buffer) with an offset', async () => {
    const cache = create();
    const backing = everyByte(1000);
    const view = new Uint8Array(backing.buffer, 300, 50);
    await cache.set('k', view);
    backing.fill(0);
    expect(await cache.get('k')).toEqual(Buffer.from(everyByte(50, 300)));
  });

  it('a value overwritten before any read reads as the newest one', async () => {
    const cache = create();
    await cache.set('k', everyByte(10, 1));
    await cache.set('k', everyByte(10, 2));
    expect(await cache.get('k')).toEqual(Buffer.from(everyByte(10, 2)));
  });

  it('reads hand out copies: mutating one leaves storage and later reads intact', async () => {
    const cache = create();
    await cache.set('k', everyByte(64));
    const first = await cache.get('k');
    first?.fill(0);
    expect(await cache.get('k')).toEqual(Buffer.from(everyByte(64)));
  });

  for (const budget of [0, Number.POSITIVE_INFINITY]) {
    it(`an entry store with an inline budget of ${budget} bytes keeps bytes and sizes exact`, () => {
      const store = new EntryStore(limits, new StoredValueFactory(budget));
      const value = everyByte(300, 128);
      store.write('k', value, 0, entrySizeBytes('k', 300));
      value.fill(0);
      expect(store.read('k')).toEqual(Buffer.from(everyByte(300, 128)));
      const [saved] = store.collect(Date.now());
      expect(Buffer.from(saved?.value ?? [])).toEqual(Buffer.from(everyByte(300, 128)));
      expect(store.bytes).toBe(entrySizeBytes('k', 300));
    });
  }

  it('the default inline budget is a quarter of the V8 heap limit (strings count against it)', () => {
    const factory = new StoredValueFactory();
    expect(factory.inlineBudgetBytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(typeof factory.copyOf(everyByte(8), factory.inlineBudgetBytes - 1)).toBe('string');
    expect(factory.copyOf(everyByte(8), factory.inlineBudgetBytes)).toBeInstanceOf(Uint8Array);
  });

  it('writes small values as Latin-1 strings, large ones (and any over the budget) as arrays', () => {
    const factory = new StoredValueFactory(1000);
    const small = factory.copyOf(everyByte(INLINE_MAX_BYTES, 128), 0);
    expect(typeof small).toBe('string');
    expect(Buffer.from(bytesOf(small as string))).toEqual(
      Buffer.from(everyByte(INLINE_MAX_BYTES, 128)),
    );
    expect(factory.copyOf(everyByte(INLINE_MAX_BYTES + 1), 0)).toBeInstanceOf(Uint8Array);
    expect(factory.copyOf(everyByte(10), 1000)).toBeInstanceOf(Uint8Array);
  });

  it("reads keep the entry's expiry and size", async () => {
    const store = new EntryStore(limits, new StoredValueFactory());
    store.write('k', everyByte(100), 150, entrySizeBytes('k', 100));
    const before = store.remainingTtl('k') ?? 0;
    expect(store.read('k')).toEqual(Buffer.from(everyByte(100)));
    const after = store.remainingTtl('k') ?? 0;
    expect(after).toBeLessThanOrEqual(before);
    expect(after).toBeGreaterThan(0);
    expect(store.bytes).toBe(entrySizeBytes('k', 100));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(store.read('k')).toBeUndefined();
  });
});

describe('returned arrays never alias storage', () => {
  /**
   * Overwrites every byte a returned array can reach: its whole
   * `ArrayBuffer`, which for a small `Buffer` is a slab of Node's shared pool
   * that other Buffers (and, were the contract broken, stored values) share.
   */
  const scribble = (array: Uint8Array | undefined): void => {
    if (array !== undefined) new Uint8Array(array.buffer).fill(0xee);
  };
  /** Expects `read` to hold exactly `expected` (a Uint8Array of its own, out of the pool's reach). */
  const expectBytes = (read: Uint8Array | undefined, expected: Uint8Array, key: string): void => {
    expect(read, key).toBeDefined();
    expect(Buffer.compare(read!, expected), `bytes of ${key}`).toBe(0);
  };

  for (const policy of ['lru', 'tinylfu'] as const) {
    for (const length of [1, 100, INLINE_MAX_BYTES, INLINE_MAX_BYTES + 1, 70_000]) {
      it(`${policy}, ${length} bytes: scribbling over everything a read (or the written array) can reach changes no stored value`, async () => {
        const cache = create({ maxEntries: 10, policy });
        const expected = new Map<string, Uint8Array>();
        for (let index = 0; index < 3; index++) {
          const key = `k${index}`;
          const value = Buffer.from(everyByte(length, index)); // small ones sit in the pool
          await cache.set(key, value);
          expected.set(key, everyByte(length, index));
          scribble(value);
        }
        // First reads, later reads, getMany, and reads after an overwrite.
        for (let pass = 0; pass < 3; pass++) {
          for (const [key, value] of expected) {
            const read = await cache.get(key);
            expectBytes(read, value, key);
            scribble(read);
          }
          const keys = [...expected.keys()];
          const many = await cache.getMany(keys);
          for (const [index, key] of keys.entries()) {
            expectBytes(many[index], expected.get(key)!, key);
          }
          for (const read of many) scribble(read);
          if (pass === 1) {
            const overwritten = Buffer.from(everyByte(length, 99));
            await cache.set('k0', overwritten);
            expected.set('k0', everyByte(length, 99));
            scribble(overwritten);
          }
        }
        for (const [key, value] of expected) expectBytes(await cache.get(key), value, key);
      });
    }
  }
});
