import {
  closedError,
  OperationTimeouts,
  OperationTracer,
  type TimeoutDefaults,
  type TimeoutOperation,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import type { Database } from 'better-sqlite3';
import { runSync } from './run-sync.js';

/**
 * The operation runner of one {@link SqliteBackend}: the single place its
 * operations funnel through. It holds the time limits (`withTimeout`
 * scopes and defaults), the tracer on `cachestack:backend` (backendType
 * `'sqlite'`) and the closed state.
 */
export class SqliteOperations {
  /** The backend's per-operation time limits. */
  readonly timeouts: OperationTimeouts;
  /** Publishes the backend's operations when someone subscribed. */
  readonly tracer: OperationTracer;
  readonly #db: Database;
  #closed = false;

  /**
   * @param timeouts - default limits per operation kind, in ms.
   * @param namespace - the backend's namespace (on every trace context).
   */
  constructor(db: Database, timeouts: TimeoutDefaults, namespace: string) {
    this.#db = db;
    this.timeouts = new OperationTimeouts(timeouts);
    this.tracer = new OperationTracer(TRACING_CHANNEL_NAMES.backend, 'sqlite', namespace);
  }

  /** True once the backend is closed: every operation then fails with `CLOSED`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Makes every later operation fail with `CLOSED`. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Runs an asynchronous operation: traced when someone listens, and
   * limited by the operation's time limit. With no subscriber it adds one
   * `hasSubscribers` check.
   * @param keyCount - for batch operations, how many keys they name.
   */
  op<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    body: () => Promise<T>,
    keyCount?: number,
  ): Promise<T> {
    const { tracer, timeouts } = this;
    if (!tracer.active) return timeouts.guard(operation, key, body);
    return tracer.trace(operation, key, keyCount, () => timeouts.guard(operation, key, body));
  }

  /** Runs `run` traced when someone listens (operations with their own fast path or no limit). */
  traced<T>(operation: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    return this.tracer.active ? this.tracer.trace(operation, key, undefined, run) : run();
  }

  /** Rejects after {@link SqliteOperations.close}, then runs `work` through {@link runSync}. */
  run<T>(operation: string, key: string | undefined, work: () => T, lateIsTimeout = true): T {
    if (this.#closed) throw closedError(operation, 'sqlite', key);
    return runSync(this.#db, this.timeouts, operation, key, work, lateIsTimeout);
  }
}
