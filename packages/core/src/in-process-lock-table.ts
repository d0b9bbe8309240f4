import type { Lock } from './capabilities.js';
import { createLockHandle, createLockToken } from './lock-handle.js';
import { MAX_TIMER_MS } from './operation-timeouts.js';

interface HeldLock {
  token: string;
  /** performance.now() time at which the lock expires. */
  expiresAt: number;
}

/** An acquired in-process lock: its token and fencing number. */
export interface LockGrant {
  token: string;
  fencingToken: number;
}

const SWEEP_EVERY = 1024;

/**
 * Expiring, token-checked locks inside one process, for adapters whose store
 * has no shared lock (memory) and for tests. Expiry uses the monotonic clock,
 * so wall-clock jumps do not matter. No per-lock timers: expired locks are
 * dropped when touched and swept every 1024 acquisitions.
 * Waiters wake on release, on the holder's expiry, or at their deadline.
 */
export class InProcessLockTable {
  readonly #held = new Map<string, HeldLock>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #fence = 0;
  #acquisitions = 0;

  /** Number of locks currently held (expired ones excluded). */
  get size(): number {
    this.#sweep();
    return this.#held.size;
  }

  /**
   * One attempt to take `key` for `ttlMs` ms.
   * @returns the grant, or `undefined` when another holder has it.
   */
  tryAcquire(key: string, ttlMs: number): LockGrant | undefined {
    const now = performance.now();
    const current = this.#held.get(key);
    if (current !== undefined && current.expiresAt > now) return undefined;
    if (++this.#acquisitions % SWEEP_EVERY === 0) this.#sweep();
    const token = createLockToken();
    this.#held.set(key, { token, expiresAt: now + ttlMs });
    return { token, fencingToken: ++this.#fence };
  }

  /**
   * Takes `key` for `ttlMs` ms, waiting up to `waitMs` ms for the holder to
   * release it or for its lock to expire.
   */
  async acquire(key: string, ttlMs: number, waitMs: number): Promise<LockGrant | undefined> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      const grant = this.tryAcquire(key, ttlMs);
      if (grant !== undefined) return grant;
      const now = performance.now();
      const remaining = deadline - now;
      if (remaining <= 0) return undefined;
      const holderLeft = (this.#held.get(key)?.expiresAt ?? now) - now;
      await this.#waitForChange(key, Math.max(1, Math.min(remaining, holderLeft)));
    }
  }

  /** Releases `key` if `token` holds it (and it has not expired). */
  release(key: string, token: string): boolean {
    const current = this.#held.get(key);
    if (current === undefined || current.token !== token) return false;
    this.#held.delete(key);
    const live = current.expiresAt > performance.now();
    this.#wake(key);
    return live;
  }

  /** Makes `key` expire `ttlMs` ms from now if `token` still holds it. */
  extend(key: string, token: string, ttlMs: number): boolean {
    const current = this.#held.get(key);
    const now = performance.now();
    if (current === undefined || current.token !== token || current.expiresAt <= now) return false;
    current.expiresAt = now + ttlMs;
    return true;
  }

  /**
   * Takes `key` and returns a {@link Lock} handle bound to this table, or
   * `undefined` when it could not be had within `waitMs` ms.
   */
  async acquireLock(key: string, ttlMs: number, waitMs: number): Promise<Lock | undefined> {
    const grant = await this.acquire(key, ttlMs, waitMs);
    if (grant === undefined) return undefined;
    return createLockHandle({
      key,
      token: grant.token,
      fencingToken: grant.fencingToken,
      release: async () => this.release(key, grant.token),
      extend: async (ms) => this.extend(key, grant.token, ms),
    });
  }

  /** Drops every lock and wakes every waiter (for `close()`). */
  clear(): void {
    this.#held.clear();
    for (const key of [...this.#waiters.keys()]) this.#wake(key);
  }

  #waitForChange(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(key);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(key, waiters);
      }
      const set = waiters;
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
        resolve();
      };
      // The caller re-checks its deadline, so a wait beyond one timer's reach is cut.
      const timer = setTimeout(done, Math.min(Math.ceil(ms), MAX_TIMER_MS));
      set.add(done);
    });
  }

  #wake(key: string): void {
    const waiters = this.#waiters.get(key);
    if (waiters === undefined) return;
    for (const done of [...waiters]) done();
  }

  #sweep(): void {
    const now = performance.now();
    for (const [key, lock] of this.#held) {
      if (lock.expiresAt <= now) this.#held.delete(key);
    }
  }
}
