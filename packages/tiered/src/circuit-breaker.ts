import {
  type BackendError,
  BackendErrorType,
  type Logger,
  logSafely,
  publishBreakerState,
} from '@cachestack/core';

/** The state of a {@link CircuitBreaker}. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Settings of one tier's {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive counted failures (TRANSIENT, TIMEOUT, AUTHENTICATION or
   * UNKNOWN errors) that open the circuit.
   * @default 5
   */
  failureThreshold?: number | undefined;
  /**
   * How long the circuit stays open before one trial call is let through
   * (half-open), in ms.
   * @default 5000
   */
  resetTimeoutMs?: number | undefined;
}

/** Called when a {@link CircuitBreaker} changes state. */
export type CircuitStateListener = (from: CircuitState, to: CircuitState) => void;

/**
 * How a {@link CircuitBreaker} reports its state changes besides its
 * listener: on the `cachestack:breaker` channel (core's
 * `publishBreakerState`) and to a logger (warn on open, info on close,
 * debug on half-open).
 */
export interface CircuitBreakerObserver {
  /** What the breaker guards, as published and logged (`tier L2 (redis)`, `redis`). */
  readonly name: string;
  /** Where state changes are logged. */
  readonly logger: Logger;
}

const COUNTED: ReadonlySet<string> = new Set<BackendErrorType>([
  BackendErrorType.TRANSIENT,
  BackendErrorType.TIMEOUT,
  BackendErrorType.AUTHENTICATION,
  BackendErrorType.UNKNOWN,
]);

/** True when `error` says something about the tier's health (not about the caller's input). */
export function countsAsTierFailure(error: BackendError): boolean {
  return COUNTED.has(error.type);
}

function positiveOption(name: string, value: unknown, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new TypeError(
      `circuitBreaker.${name} must be a finite ${integer ? 'integer' : 'number'} > 0, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * A per-tier circuit breaker. `closed`: calls pass and consecutive counted
 * failures are tallied; at `failureThreshold` it opens. `open`: calls are
 * refused at zero cost until `resetTimeoutMs` has passed; then it is
 * `half-open` and lets exactly one trial call through: success closes it,
 * a counted failure opens it again. PERMANENT errors (bad input, closed
 * backend) never count. Uses the monotonic clock; owns no timers.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #resetMs: number;
  readonly #listener: CircuitStateListener | undefined;
  readonly #observer: CircuitBreakerObserver | undefined;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;

  /**
   * @param options - thresholds; validated here (a `TypeError` names the bad option).
   * @param listener - called on every state change.
   * @param observer - publishes and logs every state change under a name; without it
   *   changes are still published on `cachestack:breaker`, named `circuit-breaker`.
   */
  constructor(
    options: CircuitBreakerOptions = {},
    listener?: CircuitStateListener,
    observer?: CircuitBreakerObserver,
  ) {
    this.#threshold = positiveOption('failureThreshold', options.failureThreshold, 5, true);
    this.#resetMs = positiveOption('resetTimeoutMs', options.resetTimeoutMs, 5000, false);
    this.#listener = listener;
    this.#observer = observer;
  }

  /** The current state (an open circuit whose reset time has passed reports `half-open`). */
  get state(): CircuitState {
    if (this.#state === 'open' && performance.now() - this.#openedAt >= this.#resetMs) {
      return 'half-open';
    }
    return this.#state;
  }

  /** True when calls pass without any check (the hot path). */
  get isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** Consecutive counted failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Asks to make a call. True when it may go ahead; in half-open state only
   * one trial call at a time is allowed, and the caller must then report
   * its outcome with {@link CircuitBreaker.onSuccess} or {@link CircuitBreaker.onFailure}.
   */
  tryPass(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (performance.now() - this.#openedAt < this.#resetMs) return false;
      this.#transition('half-open', `${this.#resetMs} ms passed since it opened`);
    }
    if (this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  /** Reports a call that reached the tier (a hit, a miss, or a PERMANENT input error). */
  onSuccess(): void {
    if (this.#state === 'closed') {
      this.#failures = 0;
      return;
    }
    this.#trialInFlight = false;
    this.#failures = 0;
    if (this.#state === 'half-open') this.#transition('closed', 'a trial call succeeded');
  }

  /** Reports a failed call; only counted error types move the breaker. */
  onFailure(error: BackendError): void {
    if (!countsAsTierFailure(error)) {
      this.onSuccess();
      return;
    }
    this.#failures += 1;
    if (this.#state === 'half-open') {
      this.#trialInFlight = false;
      this.#open(error, 'the trial call failed');
    } else if (this.#state === 'closed' && this.#failures >= this.#threshold) {
      this.#open(error, `${this.#failures} consecutive failures`);
    }
  }

  #open(error: BackendError, reason: string): void {
    this.#openedAt = performance.now();
    this.#transition('open', `${reason} (last: ${error.type} ${error.code})`);
  }

  #transition(to: CircuitState, reason: string): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    const name = this.#observer?.name ?? 'circuit-breaker';
    publishBreakerState({ name, from, to, reason });
    const logger = this.#observer?.logger;
    if (logger !== undefined) {
      const level = to === 'open' ? 'warn' : to === 'closed' ? 'info' : 'debug';
      logSafely(
        logger,
        level,
        { breaker: name, from, to, reason },
        `circuit breaker ${to}: ${name}`,
      );
    }
    this.#listener?.(from, to);
  }
}
