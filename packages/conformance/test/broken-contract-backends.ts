import { BackendError, type HealthStatus, isBackendError } from '@cachestack/core';
import { ReferenceBackend } from '@cachestack/test-support';

// More variants for broken-backends.ts: each breaks exactly one rule.

/** Errors lose their `operation`. */
export class ErrorsWithoutOperation extends ReferenceBackend {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    try {
      await super.set(key, value, ttlMs);
    } catch (error) {
      if (!isBackendError(error)) throw error;
      throw new BackendError({
        type: error.type,
        code: error.code,
        message: 'rejected',
        key: error.key,
      });
    }
  }
}

/** healthCheck reports a backendType other than `backend.backendType`. */
export class HealthWrongBackendType extends ReferenceBackend {
  override async healthCheck(): Promise<HealthStatus> {
    return { ...(await super.healthCheck()), backendType: 'something-else' };
  }
}

/** Claims a shared store but serves reads from a per-instance copy. */
export class PrivateReadCache extends ReferenceBackend {
  readonly #cache = new Map<string, Uint8Array>();
  override async get(key: string): Promise<Uint8Array | undefined> {
    const cached = this.#cache.get(key);
    if (cached !== undefined) return Buffer.from(cached);
    const value = await super.get(key);
    if (value !== undefined) this.#cache.set(key, Buffer.from(value));
    return value;
  }
}

/** keys(prefix) treats `*` in the prefix as a wildcard (an unescaped SCAN MATCH). */
export class KeysPrefixIsGlob extends ReferenceBackend {
  override keys(prefix?: string): AsyncIterable<string> {
    const all = super.keys();
    const pattern =
      prefix === undefined
        ? undefined
        : new RegExp(`^${prefix.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}`);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const key of all) if (pattern === undefined || pattern.test(key)) yield key;
      },
    };
  }
}

/** refreshTtl adds the new ttl to the remaining one instead of replacing it. */
export class RefreshTtlAdds extends ReferenceBackend {
  override async refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    const before = this.live(key)?.expiresAt;
    const refreshed = await super.refreshTtl(key, ttlMs);
    const entry = this.live(key);
    if (refreshed && entry?.expiresAt !== undefined && before !== undefined) {
      entry.expiresAt = before + Math.ceil(ttlMs);
    }
    return refreshed;
  }
}
