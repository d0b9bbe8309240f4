import {
  type InProcessLockTable,
  type LockGrant,
  OperationTimeouts,
  type OperationTracer,
  type TimeoutDefaults,
  type TimeoutOperation,
  timeoutError,
  toBackendError,
} from '@cachestack/core';

/**
 * Throws core's PERMANENT `CLOSED` error for `operation` (and `key`) once the
 * backend is closed; handed by the backend to the modules that run its operations.
 */
export type AssertOpen = (operation: string, key?: string) => void;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a memory backend's synchronous operations as promises under the time
 * limits that apply ({@link OperationTimeouts}), rejecting with classified
 * errors only, traced on `cachestack:backend` while someone subscribes
 * (the backend's `get` and `set` fast paths check {@link OperationRunner.tracer}
 * themselves). Also carries the test-only simulated latency that lets
 * timeout handling be exercised for real.
 */
export class OperationRunner {
  /** Default and scoped time limits. */
  readonly timeouts: OperationTimeouts;
  /** The backend's tracer (one per backend instance). */
  readonly tracer: OperationTracer;
  /** Simulated latency added before every operation touches the store, in ms (tests only). */
  delayMs = 0;

  /**
   * @param defaults - default limits in ms per operation kind, already
   *   validated by `resolveMemoryOptions` (core's `resolveTimeoutsOption`).
   * @param tracer - publishes every operation run here while someone subscribes.
   */
  constructor(defaults: TimeoutDefaults, tracer: OperationTracer) {
    this.timeouts = new OperationTimeouts(defaults);
    this.tracer = tracer;
  }

  /**
   * Resolves an already computed `result` under the limit that applies
   * (a separate method so hot paths allocate no closure).
   */
  resolve<T>(operation: TimeoutOperation, key: string | undefined, result: T): Promise<T> {
    return this.timeouts.guard(operation, key, () => Promise.resolve(result));
  }

  /**
   * Runs `work` now (or after the simulated latency), under the limit that
   * applies; traced while someone subscribes.
   * @param batch - for batch operations, the keys or entries (their count goes on the trace).
   */
  run<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    work: () => T,
    batch?: unknown,
  ): Promise<T> {
    const tracer = this.tracer;
    if (!tracer.active) return this.#run(operation, key, work);
    const keyCount = Array.isArray(batch) ? batch.length : undefined;
    return tracer.trace(operation, key, keyCount, () => this.#run(operation, key, work));
  }

  #run<T>(operation: TimeoutOperation, key: string | undefined, work: () => T): Promise<T> {
    const displayKey = typeof key === 'string' ? key : undefined;
    if (this.delayMs !== 0) return this.slow(operation, displayKey, work);
    try {
      const result = work();
      if (this.timeouts.limitFor(operation) === undefined) return Promise.resolve(result);
      return this.resolve(operation, displayKey, result);
    } catch (error) {
      return Promise.reject(toBackendError(error, operation, displayKey));
    }
  }

  /** Runs `work` after the simulated latency, under the limit that applies. */
  slow<T>(operation: TimeoutOperation, key: string | undefined, work: () => T): Promise<T> {
    const delayMs = this.delayMs;
    return this.timeouts.guard(operation, key, async () => {
      await sleep(delayMs);
      try {
        return work();
      } catch (error) {
        throw toBackendError(error, operation, key);
      }
    });
  }

  /**
   * Takes `key` in `table` for `ttlMs`, waiting up to `waitMs`. An
   * `acquireLock` limit shorter than the wait ends it with a TIMEOUT error;
   * the wait itself is cut short, so no lock is taken after the caller gave up.
   * @param assertOpen - throws when the backend closed during the simulated latency.
   */
  async acquire(
    table: InProcessLockTable,
    key: string,
    ttlMs: number,
    waitMs: number,
    assertOpen: () => void,
  ): Promise<LockGrant | undefined> {
    const limit = this.timeouts.limitFor('acquireLock');
    let budget = limit;
    if (this.delayMs !== 0) {
      const delayMs = this.delayMs;
      if (limit !== undefined && limit <= delayMs) {
        await sleep(limit);
        throw timeoutError('acquireLock', limit, key);
      }
      await sleep(delayMs);
      if (budget !== undefined) budget -= delayMs;
      assertOpen();
    }
    if (limit === undefined || budget === undefined || budget >= waitMs) {
      return table.acquire(key, ttlMs, waitMs);
    }
    const grant = await table.acquire(key, ttlMs, budget);
    if (grant === undefined) throw timeoutError('acquireLock', limit, key);
    return grant;
  }
}
