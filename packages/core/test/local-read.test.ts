import { describe, expect, it } from 'vitest';
import {
  type BaseBackend,
  hasLocalRead,
  LOCAL_READ,
  LOCAL_READ_UNAVAILABLE,
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

describe('local-read protocol', () => {
  it('is recognised only when the method exists', () => {
    expect(hasLocalRead(base)).toBe(false);
    const local = { ...base, [LOCAL_READ]: () => LOCAL_READ_UNAVAILABLE };
    expect(hasLocalRead(local)).toBe(true);
  });

  it('uses registry symbols, so copies of the package agree', () => {
    expect(LOCAL_READ).toBe(Symbol.for('cachestack.localRead'));
    expect(LOCAL_READ_UNAVAILABLE).toBe(Symbol.for('cachestack.localRead.unavailable'));
  });
});
