import { AsyncLocalStorage } from 'node:async_hooks';
import type { TimeoutOperation } from './capabilities.js';
import { BackendError, BackendErrorCode, BackendErrorType, timeoutError } from './errors.js';

type Limits = ReadonlyMap<TimeoutOperation, number>;

/** The longest delay one Node.js timer can wait, in ms (2^31 − 1, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Default time limits per operation kind, in ms. `'*'` applies to every operation. */
export type TimeoutDefaults = Partial<Record<TimeoutOperation, number>>;

/** Every {@link TimeoutOperation}, including `'*'`. */
export const TIMEOUT_OPERATIONS: ReadonlySet<string> = new Set<TimeoutOperation>([
  'get',
  'set',
  'delete',
  'exists',
  'getTtl',
  'refreshTtl',
  'acquireLock',
  'releaseLock',
  'extendLock',
  'getMany',
  'setMany',
  'deleteMany',
  'clear',
  'keys',
  'healthCheck',
  '*',
]);

function assertTimeout(operation: unknown, timeoutMs: unknown, where: string): void {
  if (typeof operation !== 'string' || !TIMEOUT_OPERATIONS.has(operation)) {
    throw new BackendError({
      type: BackendErrorType.PERMANENT,
      code: BackendErrorCode.INVALID_ARGUMENT,
      message: `unknown operation ${typeof operation === 'string' ? JSON.stringify(operation) : typeof operation}; expected one of ${[...TIMEOUT_OPERATIONS].join(', ')}`,
      operation: where,
    });
  }
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new BackendError({
      type: BackendErrorType.PERMANENT,
      code: BackendErrorCode.INVALID_TIMEOUT,
      message: `timeoutMs must be a finite number of ms greater than 0, got ${String(timeoutMs)}`,
      operation: where,
    });
  }
}

function smaller(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/**
 * Rejects with a TIMEOUT {@link BackendError} when `promise` has not settled
 * within `timeoutMs`. The timer is cleared as soon as `promise` settles and
 * never keeps the process alive; a late rejection of `promise` is swallowed.
 */
export function raceWithTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  operation: string,
  key?: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // One timer cannot wait longer than MAX_TIMER_MS (Node fires it after
    // 1 ms instead): a longer limit re-arms until its deadline.
    const deadline = performance.now() + timeoutMs;
    let timer: ReturnType<typeof setTimeout>;
    const arm = (ms: number): void => {
      timer = setTimeout(expire, Math.min(ms, MAX_TIMER_MS));
      timer.unref?.();
    };
    const expire = (): void => {
      const remaining = deadline - performance.now();
      if (remaining >= 1) arm(remaining);
      else reject(timeoutError(operation, timeoutMs, key));
    };
    arm(timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Per-operation time limits for one backend instance: defaults given at
 * construction plus limits scoped with `AsyncLocalStorage` by
 * {@link OperationTimeouts.run}. With it an adapter implements
 * `withTimeout` in one line and guards each operation in one call.
 *
 * @example
 * ```ts
 * class MyBackend implements TimeoutConfigurable {
 *   readonly #timeouts = new OperationTimeouts({ '*': 5_000 });
 *   withTimeout<T>(op: TimeoutOperation, ms: number, fn: () => T | Promise<T>) {
 *     return this.#timeouts.run(op, ms, fn);
 *   }
 *   get(key: string) {
 *     return this.#timeouts.guard('get', key, () => this.#read(key));
 *   }
 * }
 * ```
 */
export class OperationTimeouts {
  #storage: AsyncLocalStorage<Limits> | undefined;
  readonly #defaults: Map<TimeoutOperation, number>;

  /**
   * @param defaults - limits in ms that apply outside any scope; `'*'` applies to every operation.
   */
  constructor(defaults: TimeoutDefaults = {}) {
    this.#defaults = new Map();
    for (const [operation, timeoutMs] of Object.entries(defaults)) {
      if (timeoutMs === undefined) continue;
      assertTimeout(operation, timeoutMs, 'constructor');
      this.#defaults.set(operation as TimeoutOperation, timeoutMs);
    }
  }

  /**
   * Runs `fn` with a limit of `timeoutMs` on operations of kind `operation`
   * started inside it. Nested scopes keep the smaller limit.
   * Rejects with `INVALID_TIMEOUT` (PERMANENT) when `timeoutMs` is not finite and > 0.
   */
  async run<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    assertTimeout(operation, timeoutMs, 'withTimeout');
    if (typeof fn !== 'function') {
      throw new BackendError({
        type: BackendErrorType.PERMANENT,
        code: BackendErrorCode.INVALID_ARGUMENT,
        message: 'withTimeout needs a function to run',
        operation: 'withTimeout',
      });
    }
    this.#storage ??= new AsyncLocalStorage<Limits>();
    const limits = new Map(this.#storage.getStore());
    limits.set(operation, smaller(limits.get(operation), timeoutMs) as number);
    return await this.#storage.run(limits, fn);
  }

  /** The limit in ms that applies to `operation` here and now, or `undefined` for none. */
  limitFor(operation: TimeoutOperation): number | undefined {
    let limit: number | undefined;
    if (this.#defaults.size > 0) {
      limit = smaller(this.#defaults.get(operation), this.#defaults.get('*'));
    }
    const scoped = this.#storage?.getStore();
    if (scoped !== undefined) {
      limit = smaller(limit, smaller(scoped.get(operation), scoped.get('*')));
    }
    return limit;
  }

  /**
   * Starts `start()` and rejects with a TIMEOUT {@link BackendError} naming
   * `operation` and `key` if it takes longer than the limit that applies.
   * Without a limit it returns `start()` untouched.
   */
  guard<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    start: () => Promise<T>,
  ): Promise<T> {
    const limit = this.limitFor(operation);
    if (limit === undefined) return start();
    return raceWithTimeout(start(), limit, operation, key);
  }
}
