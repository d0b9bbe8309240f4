import { randomBytes } from 'node:crypto';
import type { Lock } from './capabilities.js';
import { normalizeRequiredTtl } from './validation.js';

/** A new lock token: 128 random bits from a CSPRNG, as 32 hex characters. */
export function createLockToken(): string {
  return randomBytes(16).toString('hex');
}

/** What {@link createLockHandle} needs from an adapter. */
export interface LockHandleOptions {
  /** The key the lock protects. */
  key: string;
  /** The holder's token. */
  token: string;
  /** A number that grows with every acquisition, if the store offers one. */
  fencingToken?: number | undefined;
  /** Releases the lock in the store if `token` still holds it. */
  release: () => Promise<boolean>;
  /** Makes the lock expire `ttlMs` (whole, validated ms) from now if `token` still holds it. */
  extend: (ttlMs: number) => Promise<boolean>;
}

/**
 * Builds a {@link Lock} from an adapter's release and extend operations.
 * The handle validates `extend`'s TTL, resolves `false` without asking the
 * store once it has been released, and releases on `await using` exit. A
 * release that rejects (store unreachable) may be retried.
 */
export function createLockHandle(options: LockHandleOptions): Lock {
  let released = false;
  const lock: Lock = {
    key: options.key,
    token: options.token,
    fencingToken: options.fencingToken,
    async release(): Promise<boolean> {
      if (released) return false;
      const wasHeld = await options.release();
      released = true;
      return wasHeld;
    },
    async extend(ttlMs: number): Promise<boolean> {
      const ttl = normalizeRequiredTtl(ttlMs, 'extendLock', options.key);
      if (released) return false;
      return options.extend(ttl);
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await lock.release();
    },
  };
  return lock;
}
