import {
  type BaseBackend,
  isBackendError,
  isTimeoutConfigurable,
  logSafely,
  OperationTimeouts,
  raceWithTimeout,
  type TimeoutOperation,
} from '@cachestack/core';
import { BackendWrapper } from './backend-wrapper.js';
import { LatencyWindow, type LimitSettings } from './latency-window.js';
import {
  checkInner,
  checkOptionsObject,
  numberOptionsOf,
  type WrapperOptions,
  wrapperOptionNames,
} from './wrapper-options.js';

/** Options of {@link AdaptiveTimeoutBackend}. */
export interface AdaptiveTimeoutOptions extends WrapperOptions {
  /**
   * Which latency percentile the limit follows (0 < p <= 1).
   * @default 0.99
   */
  percentile?: number | undefined;
  /**
   * The limit is the percentile latency times this factor (>= 1).
   * @default 3
   */
  factor?: number | undefined;
  /**
   * The smallest limit, in ms (> 0).
   * @default 100
   */
  floorMs?: number | undefined;
  /**
   * The largest limit, in ms (>= floorMs); also the limit until
   * `minSamples` latencies of an operation kind were measured.
   * @default 2000
   */
  ceilingMs?: number | undefined;
  /**
   * How many recent latencies per operation kind are kept.
   * @default 256
   */
  windowSize?: number | undefined;
  /**
   * Latencies needed before the limit leaves the ceiling.
   * @default 32
   */
  minSamples?: number | undefined;
}

/** The operations that get an adaptive limit; lock waits, `clear` and `keys` are long by design. */
export const ADAPTIVE_OPERATIONS: readonly TimeoutOperation[] = [
  'get',
  'set',
  'delete',
  'exists',
  'getTtl',
  'refreshTtl',
  'getMany',
  'setMany',
  'deleteMany',
];

const OWNER = 'AdaptiveTimeoutBackend';

const option = numberOptionsOf(OWNER);

function resolveSettings(options: AdaptiveTimeoutOptions): LimitSettings {
  const floorMs = option(
    'floorMs',
    options.floorMs,
    100,
    (n) => n > 0,
    'a finite number of ms > 0',
  );
  const ceilingMs = option(
    'ceilingMs',
    options.ceilingMs,
    Math.max(2000, floorMs),
    (n) => n >= floorMs,
    `a finite number of ms >= floorMs (${floorMs})`,
  );
  const integer = (n: number) => Number.isInteger(n) && n >= 1;
  const windowSize = option('windowSize', options.windowSize, 256, integer, 'an integer >= 1');
  return {
    percentile: option(
      'percentile',
      options.percentile,
      0.99,
      (n) => n > 0 && n <= 1,
      'a number in (0, 1]',
    ),
    factor: option('factor', options.factor, 3, (n) => n >= 1, 'a finite number >= 1'),
    floorMs,
    ceilingMs,
    windowSize,
    minSamples: option(
      'minSamples',
      options.minSamples,
      Math.min(32, windowSize),
      (n) => integer(n) && n <= windowSize,
      `an integer from 1 to windowSize (${windowSize})`,
    ),
  };
}

/** Every option name of {@link AdaptiveTimeoutOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = wrapperOptionNames<AdaptiveTimeoutOptions>({
  percentile: true,
  factor: true,
  floorMs: true,
  ceilingMs: true,
  windowSize: true,
  minSamples: true,
});

/**
 * Per-operation time limits that follow the wrapped backend's measured
 * latency: for each operation kind in {@link ADAPTIVE_OPERATIONS}, the
 * limit is the `percentile` of its recent latencies times `factor`,
 * clamped to [`floorMs`, `ceilingMs`]. A healthy store gets tight limits;
 * a degraded one is cut off early with a TIMEOUT {@link BackendError}. A
 * timed-out call counts as a latency equal to its limit, so a store that
 * stays slower for good moves the limit up (to the ceiling at most) instead
 * of timing out forever.
 *
 * The limits are applied with the wrapped backend's own `withTimeout` when
 * it is timeout-configurable (so its guarantees hold, e.g. the next Redis
 * reply is its own), otherwise with core's `raceWithTimeout`. `withTimeout`
 * on this wrapper is always offered; scoped limits combine with the
 * adaptive ones (the smaller wins).
 */
export class AdaptiveTimeoutBackend extends BackendWrapper {
  readonly #windows = new Map<TimeoutOperation, LatencyWindow>();
  readonly #scoped = new OperationTimeouts();

  /**
   * @param inner - the backend to guard.
   * @param options - see {@link AdaptiveTimeoutOptions}; a bad option throws a `TypeError` naming it.
   */
  constructor(inner: BaseBackend, options: AdaptiveTimeoutOptions = {}) {
    checkInner(inner, OWNER);
    checkOptionsObject(options, OWNER, OPTION_NAMES);
    const settings = resolveSettings(options);
    super(inner, 'adaptive-timeout', options, false);
    for (const operation of ADAPTIVE_OPERATIONS)
      this.#windows.set(operation, new LatencyWindow(settings));
  }

  /** The limit in ms each adaptive operation kind gets right now. */
  limits(): Partial<Record<TimeoutOperation, number>> {
    const limits: Partial<Record<TimeoutOperation, number>> = {};
    for (const [operation, window] of this.#windows) limits[operation] = window.limitMs;
    return limits;
  }

  protected override ownWithTimeout() {
    return <T>(
      operation: TimeoutOperation,
      timeoutMs: number,
      fn: () => T | Promise<T>,
    ): Promise<T> => {
      const inner = this.inner;
      if (isTimeoutConfigurable(inner)) return inner.withTimeout(operation, timeoutMs, fn);
      return this.#scoped.run(operation, timeoutMs, fn);
    };
  }

  protected override call<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    start: () => Promise<T>,
  ): Promise<T> {
    const window = this.#windows.get(operation);
    const inner = this.inner;
    if (window === undefined) {
      if (isTimeoutConfigurable(inner)) return start();
      return this.#scoped.guard(operation, key, start);
    }
    const limit = window.limitMs;
    const started = performance.now();
    const running = isTimeoutConfigurable(inner)
      ? inner.withTimeout(operation, limit, start)
      : raceWithTimeout(
          start(),
          Math.min(limit, this.#scoped.limitFor(operation) ?? limit),
          operation,
          key,
        );
    return running.then(
      (value) => {
        window.record(performance.now() - started);
        if (window.limitMs !== limit) this.#limitChanged(operation, limit, window.limitMs);
        return value;
      },
      (error: unknown) => {
        if (isBackendError(error) && error.isTimeout) {
          window.record(Math.max(limit, performance.now() - started));
          if (window.limitMs !== limit) this.#limitChanged(operation, limit, window.limitMs);
        }
        throw error;
      },
    );
  }

  /** Logs (debug) a limit that moved by at least a tenth (small drifts are not news). */
  #limitChanged(operation: TimeoutOperation, fromMs: number, toMs: number): void {
    if (Math.abs(toMs - fromMs) < fromMs / 10) return;
    logSafely(
      this.logger,
      'debug',
      { operation, fromMs, toMs },
      `adaptive time limit for ${operation}: ${fromMs} ms -> ${toMs} ms`,
    );
  }

  protected override healthDetails(): Record<string, unknown> {
    return { adaptiveLimitsMs: this.limits() };
  }
}
