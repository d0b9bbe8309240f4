import type { BaseBackend } from '@cachestack/core';

/** A view of `backend` with the base contract only (no TTL, lock, batch, clear or keys). */
export function baseOnly(backend: BaseBackend): BaseBackend {
  return {
    backendType: backend.backendType,
    get: (key) => backend.get(key),
    set: (key, value, ttlMs) => backend.set(key, value, ttlMs),
    delete: (key) => backend.delete(key),
    exists: (key) => backend.exists(key),
    healthCheck: () => backend.healthCheck(),
    close: () => backend.close(),
    [Symbol.asyncDispose]: () => backend.close(),
  };
}
