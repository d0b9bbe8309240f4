import { MAX_TIMER_MS, timeoutError } from '@cachestack/core';

/** One caller of a coalesced command, settled by the coalescer itself. */
export interface Caller<T> {
  /** The caller's key (for errors). */
  key: string;
  /** `performance.now()` ms after which the caller gets a TIMEOUT, or `Infinity`. */
  deadline: number;
  /** The caller's limit in ms (0 without one). */
  timeoutMs: number;
  /** True once settled (value, failure or timeout). */
  done: boolean;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** A caller of `key` with a limit of `timeoutMs` ms from now (none when undefined). */
export function newCaller<T>(
  key: string,
  timeoutMs: number | undefined,
  resolve: (value: T) => void,
  reject: (error: unknown) => void,
): Caller<T> {
  return {
    key,
    deadline: timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + timeoutMs,
    timeoutMs: timeoutMs ?? 0,
    done: false,
    resolve,
    reject,
  };
}

/**
 * The callers of one coalesced round trip, each settled exactly once: by
 * the reply ({@link CallerBatch.take} then resolve), by its failure
 * ({@link CallerBatch.failAll}), or by its own time limit — with one timer
 * at a time, not one per caller: when it fires, every caller whose limit
 * passed gets a TIMEOUT error for `operation`, and the timer re-arms.
 */
export class CallerBatch<T> {
  readonly #callers: readonly Caller<T>[];
  readonly #operation: string;
  readonly #settled: () => void;
  #timer: NodeJS.Timeout | undefined;

  /** @param settled - called once per caller when it settles, however it settles. */
  constructor(callers: readonly Caller<T>[], operation: string, settled: () => void) {
    this.#callers = callers;
    this.#operation = operation;
    this.#settled = settled;
    this.#arm();
  }

  /**
   * Marks `caller` settled and returns true when it was still waiting (the
   * caller of this method then resolves it); false when it already timed out.
   */
  take(caller: Caller<T>): boolean {
    if (caller.done) return false;
    caller.done = true;
    this.#settled();
    return true;
  }

  /** Stops the timer: the round trip answered. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stops the timer and rejects every waiting caller with `classify(error, its key)`. */
  failAll(error: unknown, classify: (error: unknown, key: string) => unknown): void {
    this.stop();
    for (const caller of this.#callers) {
      if (this.take(caller)) caller.reject(classify(error, caller.key));
    }
  }

  #arm(): void {
    this.#timer = undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const caller of this.#callers) {
      if (!caller.done && caller.deadline < next) next = caller.deadline;
    }
    if (next === Number.POSITIVE_INFINITY) return;
    this.#timer = setTimeout(
      () => {
        const now = performance.now();
        for (const caller of this.#callers) {
          if (caller.deadline > now) continue;
          if (this.take(caller)) {
            caller.reject(timeoutError(this.#operation, caller.timeoutMs, caller.key));
          }
        }
        this.#arm();
      },
      // A limit beyond one timer's reach re-arms (the callback re-checks every deadline).
      Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(next - performance.now()))),
    );
    this.#timer.unref();
  }
}
