import { describe, expect, it } from 'vitest';
import {
  type BaseBackend,
  CAPABILITY_NAMES,
  CapabilityNotAvailableError,
  hasCapability,
  isBatch,
  isClearable,
  isKeyIterable,
  isLockable,
  isTimeoutConfigurable,
  isTtlInspectable,
  requireCapability,
} from '../src/index.js';

const base: BaseBackend = {
  backendType: 'plain',
  get: async () => undefined,
  set: async () => {},
  delete: async () => false,
  exists: async () => false,
  healthCheck: async () => ({ healthy: true, latencyMs: 0, backendType: 'plain', details: {} }),
  close: async () => {},
  [Symbol.asyncDispose]: async () => {},
};

const full = {
  ...base,
  getTtl: async () => undefined,
  refreshTtl: async () => false,
  acquireLock: async () => undefined,
  withTimeout: async () => undefined,
  getMany: async () => [],
  setMany: async () => {},
  deleteMany: async () => 0,
  clear: async () => {},
  keys: async function* () {},
};

describe('capability guards', () => {
  it('recognise a backend with every capability', () => {
    expect([
      isTtlInspectable(full),
      isLockable(full),
      isTimeoutConfigurable(full),
      isBatch(full),
      isClearable(full),
      isKeyIterable(full),
    ]).toEqual([true, true, true, true, true, true]);
    for (const name of CAPABILITY_NAMES) expect(hasCapability(full, name)).toBe(true);
  });

  it('reject a plain backend and a partial capability', () => {
    for (const name of CAPABILITY_NAMES) expect(hasCapability(base, name)).toBe(false);
    expect(isTtlInspectable({ ...base, getTtl: async () => 1 } as BaseBackend)).toBe(false);
    expect(isBatch({ ...base, getMany: async () => [] } as BaseBackend)).toBe(false);
  });

  it('requireCapability returns the backend or throws CapabilityNotAvailableError', () => {
    expect(requireCapability(full, 'lock')).toBe(full);
    expect(() => requireCapability(base, 'lock')).toThrow(CapabilityNotAvailableError);
    try {
      requireCapability(base, 'ttl');
    } catch (error) {
      expect((error as CapabilityNotAvailableError).backendType).toBe('plain');
      expect((error as CapabilityNotAvailableError).capability).toBe('ttl');
    }
  });
});
