import {
  BackendError,
  BackendErrorType,
  type BaseBackend,
  logSafely,
  type TimeoutOperation,
} from '@cachestack/core';
import { BackendWrapper, startOperation } from './backend-wrapper.js';
import {
  checkInner,
  checkOptionsObject,
  numberOptionsOf,
  type WrapperOptions,
  wrapperOptionNames,
} from './wrapper-options.js';

/**
 * Code of the TRANSIENT {@link BackendError} for a call refused because the
 * backend is at its in-flight limit (and its queue is full or the wait ran out).
 */
export const OVERLOADED = 'OVERLOADED';

/** Options of {@link LoadSheddingBackend}. */
export interface LoadSheddingOptions extends WrapperOptions {
  /**
   * Operations allowed on the wrapped backend at once.
   * @default 256
   */
  maxInFlight?: number | undefined;
  /**
   * Calls allowed to wait for a free slot beyond `maxInFlight`; more are
   * refused at once.
   * @default 0 (no queue: refuse at once)
   */
  maxQueued?: number | undefined;
  /**
   * How long a queued call waits for a slot before it is refused, in ms.
   * @default 100
   */
  queueTimeoutMs?: number | undefined;
}

interface Waiter {
  resolve(): void;
  timer: ReturnType<typeof setTimeout>;
}

const OWNER = 'LoadSheddingBackend';

/** A shed call after this long without one (ms) logs `warn` (shedding started); others log `debug`. */
const SHEDDING_QUIET_MS = 1000;

const option = numberOptionsOf(OWNER);

function integerOption(name: string, value: unknown, fallback: number, min: number): number {
  const valid = (n: number) => Number.isSafeInteger(n) && n >= min;
  return option(name, value, fallback, valid, `an integer >= ${min}`);
}

/** Every option name of {@link LoadSheddingOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = wrapperOptionNames<LoadSheddingOptions>({
  maxInFlight: true,
  maxQueued: true,
  queueTimeoutMs: true,
});

/**
 * Backpressure over any backend: at most `maxInFlight` operations run on
 * the wrapped backend at once, at most `maxQueued` more wait (each up to
 * `queueTimeoutMs`), and anything beyond fails fast with a TRANSIENT
 * {@link BackendError} whose code is {@link OVERLOADED}, instead of piling
 * up sockets, buffers and promises in front of a slow store. Memory stays
 * bounded by the two limits.
 *
 * Every operation counts, including `acquireLock` (a lock wait holds its
 * slot); `healthCheck`, the release and extension of held locks, and the
 * iteration of `keys` do not. Exposes exactly the wrapped backend's
 * capabilities.
 */
export class LoadSheddingBackend extends BackendWrapper {
  readonly #maxInFlight: number;
  readonly #maxQueued: number;
  readonly #queueTimeoutMs: number;
  readonly #queue = new Set<Waiter>();
  #inFlight = 0;
  #shed = 0;
  /** When the last call was shed (`performance.now()`), for the "shedding started" warning. */
  #lastShedAt = Number.NEGATIVE_INFINITY;

  /**
   * @param inner - the backend to protect.
   * @param options - see {@link LoadSheddingOptions}; a bad option throws a `TypeError` naming it.
   */
  constructor(inner: BaseBackend, options: LoadSheddingOptions = {}) {
    checkInner(inner, OWNER);
    checkOptionsObject(options, OWNER, OPTION_NAMES);
    const maxInFlight = integerOption('maxInFlight', options.maxInFlight, 256, 1);
    const maxQueued = integerOption('maxQueued', options.maxQueued, 0, 0);
    const wait = options.queueTimeoutMs ?? 100;
    if (typeof wait !== 'number' || !Number.isFinite(wait) || wait <= 0) {
      throw new TypeError(
        `${OWNER}: option "queueTimeoutMs" must be a finite number of ms > 0, got ${String(wait)}`,
      );
    }
    super(inner, 'load-shedding', options, false);
    this.#maxInFlight = maxInFlight;
    this.#maxQueued = maxQueued;
    this.#queueTimeoutMs = wait;
  }

  /** Operations running on the wrapped backend now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Calls refused with {@link OVERLOADED} so far. */
  get shed(): number {
    return this.#shed;
  }

  protected override call<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    start: () => Promise<T>,
  ): Promise<T> {
    if (this.#inFlight < this.#maxInFlight) return this.#run(start);
    if (this.#queue.size >= this.#maxQueued) {
      return Promise.reject(this.#overloaded(operation, key, 'and the queue is full'));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.#queue.delete(waiter);
          reject(
            this.#overloaded(
              operation,
              key,
              `and no slot freed up within ${this.#queueTimeoutMs} ms`,
            ),
          );
        }, this.#queueTimeoutMs),
      };
      waiter.timer.unref?.();
      this.#queue.add(waiter);
    }).then(() => this.#started(start));
  }

  protected override healthDetails(): Record<string, unknown> {
    return { inFlight: this.#inFlight, queued: this.#queue.size, shed: this.#shed };
  }

  #run<T>(start: () => Promise<T>): Promise<T> {
    this.#inFlight += 1;
    return this.#started(start);
  }

  /** Runs `start` in a slot already counted in #inFlight; frees it when it settles. */
  #started<T>(start: () => Promise<T>): Promise<T> {
    return startOperation(start).then(
      (value) => {
        this.#release();
        return value;
      },
      (error: unknown) => {
        this.#release();
        throw error;
      },
    );
  }

  #release(): void {
    for (const waiter of this.#queue) {
      // Hand the slot over: #inFlight stays the same.
      this.#queue.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve();
      return;
    }
    this.#inFlight -= 1;
  }

  /** Counts and logs a shed call: warn when shedding starts (none in the second before), else debug. */
  #overloaded(operation: string, key: string | undefined, why: string): BackendError {
    this.#shed += 1;
    const now = performance.now();
    const starting = now - this.#lastShedAt >= SHEDDING_QUIET_MS;
    this.#lastShedAt = now;
    logSafely(
      this.logger,
      starting ? 'warn' : 'debug',
      { operation, key, inFlight: this.#inFlight, queued: this.#queue.size, shed: this.#shed },
      starting
        ? `load shedding started on ${this.inner.backendType}: ${this.#maxInFlight} operations in flight ${why}`
        : `${operation} shed: ${why}`,
    );
    return new BackendError({
      type: BackendErrorType.TRANSIENT,
      code: OVERLOADED,
      message: `${this.#maxInFlight} operations are in flight on ${this.inner.backendType} (maxInFlight) ${why}`,
      operation,
      key,
    });
  }
}
