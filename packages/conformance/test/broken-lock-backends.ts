import { type Lock, normalizeRequiredTtl } from '@cachestack/core';
import { ReferenceBackend } from '@cachestack/test-support';

// Lock variants of broken-backends.ts: each breaks exactly one lock rule.

/** The latest handle per lock key, shared by every instance (for the token-ignoring release). */
const latestHandles = new Map<string, Lock>();

export class ReleaseIgnoresToken extends ReferenceBackend {
  override async acquireLock(key: string, options: { ttlMs: number; waitMs?: number }) {
    const lock = await super.acquireLock(key, options);
    if (lock === undefined) return undefined;
    const id = `${this.namespace}\u0000${key}`;
    latestHandles.set(id, lock);
    const handle: Lock = {
      ...lock,
      release: async () => {
        const latest = latestHandles.get(id);
        await lock.release();
        return latest === undefined ? false : latest.release().then(() => true);
      },
      extend: (ms) => lock.extend(ms),
      [Symbol.asyncDispose]: async () => {
        await handle.release();
      },
    };
    return handle;
  }
}

export class LockNeverExpires extends ReferenceBackend {
  override async acquireLock(key: string, options: { ttlMs: number; waitMs?: number }) {
    normalizeRequiredTtl(options?.ttlMs, 'acquireLock', key);
    return super.acquireLock(key, { ...options, ttlMs: 1e12 });
  }
}

export class LockKeysCollideWithData extends ReferenceBackend {
  override async acquireLock(key: string, options: { ttlMs: number; waitMs?: number }) {
    const lock = await super.acquireLock(key, options);
    if (lock !== undefined)
      this.entries.set(key, { value: Buffer.from(lock.token), expiresAt: undefined });
    return lock;
  }
}

export class ExtendAfterExpiryRetakes extends ReferenceBackend {
  override async acquireLock(key: string, options: { ttlMs: number; waitMs?: number }) {
    const lock = await super.acquireLock(key, options);
    if (lock === undefined) return undefined;
    const handle: Lock = {
      ...lock,
      release: () => lock.release(),
      extend: async (ms) => {
        if (await lock.extend(ms)) return true;
        const retaken = await super.acquireLock(key, { ttlMs: ms });
        return retaken !== undefined;
      },
      [Symbol.asyncDispose]: () => lock[Symbol.asyncDispose](),
    };
    return handle;
  }
}

let tokenCounter = 0;

/** Lock tokens are short sequential counters, not 128 random bits. */
export class ShortLockTokens extends ReferenceBackend {
  override async acquireLock(key: string, options: { ttlMs: number; waitMs?: number }) {
    const lock = await super.acquireLock(key, options);
    if (lock === undefined) return undefined;
    const handle: Lock = {
      key: lock.key,
      token: String(++tokenCounter),
      release: () => lock.release(),
      extend: (ms) => lock.extend(ms),
      [Symbol.asyncDispose]: () => lock[Symbol.asyncDispose](),
    };
    return handle;
  }
}
