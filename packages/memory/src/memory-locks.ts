import {
  type AcquireLockOptions,
  createLockHandle,
  InProcessLockTable,
  type Lock,
  normalizeLockOptions,
} from '@cachestack/core';
import type { AssertOpen, OperationRunner } from './operation-runner.js';

/**
 * The in-process locks of one memory backend: a lock table apart from the
 * entries (lock keys never meet data keys), acquisition under the time limits
 * of its {@link OperationRunner}, and the {@link Lock} handles it gives out,
 * whose `release` and `extend` run (and are traced) like any other operation.
 * Locks exclude callers of this backend instance only.
 */
export class MemoryLocks {
  readonly #table = new InProcessLockTable();
  readonly #runner: OperationRunner;
  readonly #assertOpen: AssertOpen;

  /**
   * @param runner - the backend's runner (time limits, tracing, simulated latency).
   * @param assertOpen - throws once the backend is closed.
   */
  constructor(runner: OperationRunner, assertOpen: AssertOpen) {
    this.#runner = runner;
    this.#assertOpen = assertOpen;
  }

  /** Locks held. */
  get size(): number {
    return this.#table.size;
  }

  /** Drops every lock and wakes every waiter (for `close()`: they then get `CLOSED`). */
  clear(): void {
    this.#table.clear();
  }

  /**
   * Takes the lock on `key` (validated by the caller), waiting up to
   * `options.waitMs`; `undefined` when the wait ends without it. A lock
   * granted as the backend closes is released at once and the call rejects
   * with `CLOSED`. Errors are thrown unclassified: the caller classifies them.
   */
  async acquire(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    const { ttlMs: ttl, waitMs } = normalizeLockOptions(options, key);
    this.#assertOpen('acquireLock', key);
    const assertOpen = (): void => this.#assertOpen('acquireLock', key);
    const grant = await this.#runner.acquire(this.#table, key, ttl, waitMs, assertOpen);
    try {
      assertOpen();
    } catch (error) {
      if (grant !== undefined) this.#table.release(key, grant.token);
      throw error;
    }
    if (grant === undefined) return undefined;
    const { token, fencingToken } = grant;
    const runner = this.#runner;
    return createLockHandle({
      key,
      token,
      fencingToken,
      release: () => runner.run('releaseLock', key, () => this.#release(key, token)),
      extend: (ms) => runner.run('extendLock', key, () => this.#extend(key, token, ms)),
    });
  }

  #release(key: string, token: string): boolean {
    this.#assertOpen('releaseLock', key);
    return this.#table.release(key, token);
  }

  #extend(key: string, token: string, ttlMs: number): boolean {
    this.#assertOpen('extendLock', key);
    return this.#table.extend(key, token, ttlMs);
  }
}
