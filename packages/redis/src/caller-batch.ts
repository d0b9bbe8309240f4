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
 * One timer for every {@link CallerBatch} of a coalescer, instead of one
 * timer per batch: arming and clearing a timer per round trip costs more
 * than the rest of a coalesced call. The timer is armed for the earliest
 * deadline of the batches in flight and stays armed when they settle (it
 * then fires once, finds nothing due, and stops); a later batch only
 * re-arms it when its deadline is earlier. When it fires, every caller
 * whose limit passed gets its TIMEOUT, and it re-arms for the next deadline.
 */
export class DeadlineWatch {
  // Forgotten batches are dropped lazily (when the timer fires, or when
  // they are more than half of the list): forgetting one costs O(1).
  #batches: CallerBatch<unknown>[] = [];
  #watched = 0;
  #timer: NodeJS.Timeout | undefined;
  /** `performance.now()` ms at which the armed timer fires (`Infinity` when none is armed). */
  #firesAt = Number.POSITIVE_INFINITY;
  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#firesAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    const kept: CallerBatch<unknown>[] = [];
    for (const batch of this.#batches) {
      if (!batch.watched) continue;
      const deadline = batch.expire(now);
      if (deadline === Number.POSITIVE_INFINITY) {
        batch.watched = false;
        continue;
      }
      kept.push(batch);
      if (deadline < next) next = deadline;
    }
    this.#batches = kept;
    this.#watched = kept.length;
    this.#arm(next);
  };

  /** Watches `batch` until {@link DeadlineWatch.forget}; `deadline` is its earliest caller deadline. */
  watch(batch: CallerBatch<unknown>, deadline: number): void {
    if (deadline === Number.POSITIVE_INFINITY) return;
    batch.watched = true;
    this.#watched++;
    const batches = this.#batches;
    if (batches.length >= 64 && batches.length > 2 * this.#watched) {
      this.#batches = batches.filter((watched) => watched.watched);
    }
    this.#batches.push(batch);
    if (deadline < this.#firesAt) this.#arm(deadline);
  }

  /** Stops watching `batch` (its round trip answered). The timer stays armed. */
  forget(batch: CallerBatch<unknown>): void {
    if (!batch.watched) return;
    batch.watched = false;
    this.#watched--;
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firesAt = Number.POSITIVE_INFINITY;
    if (deadline === Number.POSITIVE_INFINITY) return;
    // A limit beyond one timer's reach re-arms (the callback re-checks every deadline).
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(deadline - performance.now())));
    this.#timer = setTimeout(this.#fire, delay);
    this.#timer.unref();
    this.#firesAt = performance.now() + delay;
  }
}

/**
 * The callers of one coalesced round trip, each settled exactly once: by
 * the reply ({@link CallerBatch.take} then resolve), by its failure
 * ({@link CallerBatch.failAll}), or by its own time limit, enforced by the
 * coalescer's {@link DeadlineWatch}: every caller whose limit passed gets a
 * TIMEOUT error for `operation`.
 */
export class CallerBatch<T> {
  readonly #callers: readonly Caller<T>[];
  readonly #operation: string;
  readonly #settled: () => void;
  readonly #watch: DeadlineWatch;
  /** True while its {@link DeadlineWatch} watches it. */
  watched = false;

  /** @param settled - called once per caller when it settles, however it settles. */
  constructor(
    callers: readonly Caller<T>[],
    operation: string,
    settled: () => void,
    watch: DeadlineWatch,
  ) {
    this.#callers = callers;
    this.#operation = operation;
    this.#settled = settled;
    this.#watch = watch;
    let earliest = Number.POSITIVE_INFINITY;
    for (const caller of callers) if (caller.deadline < earliest) earliest = caller.deadline;
    watch.watch(this as CallerBatch<unknown>, earliest);
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

  /** Stops watching the deadlines: the round trip answered. */
  stop(): void {
    this.#watch.forget(this as CallerBatch<unknown>);
  }

  /** Stops watching and rejects every waiting caller with `classify(error, its key)`. */
  failAll(error: unknown, classify: (error: unknown, key: string) => unknown): void {
    this.stop();
    for (const caller of this.#callers) {
      if (this.take(caller)) caller.reject(classify(error, caller.key));
    }
  }

  /**
   * Rejects with a TIMEOUT every waiting caller whose deadline is at or
   * before `now`; returns the earliest deadline still to come (`Infinity`: none).
   */
  expire(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const caller of this.#callers) {
      if (caller.done) continue;
      if (caller.deadline <= now) {
        if (this.take(caller)) {
          caller.reject(timeoutError(this.#operation, caller.timeoutMs, caller.key));
        }
      } else if (caller.deadline < next) {
        next = caller.deadline;
      }
    }
    return next;
  }
}
