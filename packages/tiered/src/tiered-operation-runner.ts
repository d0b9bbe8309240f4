import {
  closedError,
  OperationTimeouts,
  OperationTracer,
  type TimeoutDefaults,
  type TimeoutOperation,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';

/**
 * The funnel every tiered operation goes through: the closed check, the
 * tiered time limits, in-flight counting (so `close()` can wait), and
 * tracing on `cachestack:tiered` when someone listens. Internal to the
 * package.
 */
export class TieredOperationRunner {
  /** The tracer of this tiered instance (`get` and `exists` add the answering tier themselves). */
  readonly tracer: OperationTracer;
  /** The tiered time limits (`timeouts` option and `withTimeout` scopes). */
  readonly timeouts: OperationTimeouts;
  readonly #backendType: string;
  readonly #drained: (() => void)[] = [];
  #inFlight = 0;
  #closed = false;

  /**
   * @param namespace - the invalidation namespace, when there is one (traced as `namespace`).
   */
  constructor(backendType: string, timeouts: TimeoutDefaults, namespace: string | undefined) {
    this.#backendType = backendType;
    this.timeouts = new OperationTimeouts(timeouts);
    this.tracer = new OperationTracer(TRACING_CHANNEL_NAMES.tiered, backendType, namespace);
  }

  /** True once {@link TieredOperationRunner.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `fn` as a tiered operation, traced when someone listens.
   * @param keyCount - for batch operations, how many keys they name.
   */
  run<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    fn: () => Promise<T>,
    keyCount?: number,
  ): Promise<T> {
    return this.traced(operation, key, keyCount, () => this.guarded(operation, key, fn));
  }

  /**
   * Runs `body` (input checks, then {@link TieredOperationRunner.guarded}) as
   * one traced operation, so a call rejected for bad input is traced too.
   * A synchronous throw from `body` becomes a rejection.
   */
  traced<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    keyCount: number | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    try {
      return this.tracer.active ? this.tracer.trace(operation, key, keyCount, body) : body();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `fn` (untraced) unless closed, under the time limit for `operation`, counted as in flight. */
  guarded<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(operation, this.#backendType, key));
    return this.counted(this.timeouts.guard(operation, key, fn));
  }

  /** Counts `work` as in flight until it settles. */
  counted<T>(work: Promise<T>): Promise<T> {
    this.#inFlight += 1;
    // `then` with both callbacks made once per runner: one promise step (`finally` takes three), no closures.
    return work.then(this.#onValue as (value: T) => T, this.#onError);
  }

  /**
   * Counts one operation as in flight until {@link TieredOperationRunner.leave}:
   * for a caller that settles it in a `then` of its own (one promise step
   * fewer than {@link TieredOperationRunner.counted}).
   */
  enter(): void {
    this.#inFlight += 1;
  }

  /** Ends an operation counted by {@link TieredOperationRunner.enter}. */
  leave(): void {
    this.#settled();
  }

  readonly #onValue = (value: unknown): unknown => {
    this.#settled();
    return value;
  };

  readonly #onError = (error: unknown): never => {
    this.#settled();
    throw error;
  };

  #settled(): void {
    this.#inFlight -= 1;
    if (this.#inFlight === 0) for (const resolve of this.#drained.splice(0)) resolve();
  }

  /**
   * Refuses new operations from now on (at once); the promise resolves once
   * those in flight have settled.
   */
  close(): Promise<void> {
    this.#closed = true;
    return this.#drain();
  }

  async #drain(): Promise<void> {
    while (this.#inFlight > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
  }
}
