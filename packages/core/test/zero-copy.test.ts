import { describe, expect, it } from 'vitest';
import {
  type BaseBackend,
  BORROWED_READ,
  hasBorrowedRead,
  hasTransferredSet,
  LOCAL_READ_UNAVAILABLE,
  ownsWholeBuffer,
  TRANSFERRED_SET,
} from '../src/index.js';

const base = {
  backendType: 'x',
  get: async () => undefined,
  set: async () => {},
  delete: async () => false,
  exists: async () => false,
  healthCheck: async () => ({ healthy: true, latencyMs: 0, backendType: 'x', details: {} }),
  close: async () => {},
  [Symbol.asyncDispose]: async () => {},
} satisfies BaseBackend;

describe('zero-copy protocols (borrowed read, transferred set)', () => {
  it('are recognised only when the method exists', () => {
    expect(hasBorrowedRead(base)).toBe(false);
    expect(hasTransferredSet(base)).toBe(false);
    expect(hasBorrowedRead({ ...base, [BORROWED_READ]: () => LOCAL_READ_UNAVAILABLE })).toBe(true);
    expect(hasTransferredSet({ ...base, [TRANSFERRED_SET]: async () => {} })).toBe(true);
    expect(hasBorrowedRead({ ...base, [BORROWED_READ]: 'not a function' })).toBe(false);
  });

  it('use registry symbols, so copies of the package agree', () => {
    expect(BORROWED_READ).toBe(Symbol.for('cachestack.borrowedRead'));
    expect(TRANSFERRED_SET).toBe(Symbol.for('cachestack.transferredSet'));
  });
});

describe('ownsWholeBuffer', () => {
  it('is true for an array over an ArrayBuffer of its own', () => {
    expect(ownsWholeBuffer(new Uint8Array(16))).toBe(true);
    expect(ownsWholeBuffer(new Uint8Array(0))).toBe(true);
    expect(ownsWholeBuffer(Buffer.allocUnsafeSlow(100))).toBe(true);
    expect(ownsWholeBuffer(Buffer.allocUnsafe(64 * 1024))).toBe(true);
  });

  it('is false for a slice of Node`s Buffer pool or any partial view', () => {
    const pooled = Buffer.from('small enough for the pool');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    expect(ownsWholeBuffer(pooled)).toBe(false);
    const whole = new Uint8Array(32);
    expect(ownsWholeBuffer(whole.subarray(1))).toBe(false);
    expect(ownsWholeBuffer(whole.subarray(0, 31))).toBe(false);
  });

  it('is false for shared or resizable memory', () => {
    expect(ownsWholeBuffer(new Uint8Array(new SharedArrayBuffer(8)))).toBe(false);
    const Resizable = ArrayBuffer as unknown as new (
      length: number,
      options: { maxByteLength: number },
    ) => ArrayBuffer;
    expect(ownsWholeBuffer(new Uint8Array(new Resizable(8, { maxByteLength: 16 })))).toBe(false);
  });
});
