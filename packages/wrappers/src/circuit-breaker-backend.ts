import {
  BackendError,
  BackendErrorType,
  type BaseBackend,
  type TimeoutOperation,
  toBackendError,
} from '@cachestack/core';
import {
  CIRCUIT_OPEN,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type CircuitStateListener,
} from '@cachestack/tiered';
import { BackendWrapper, startOperation } from './backend-wrapper.js';
import {
  checkInner,
  checkOptionsObject,
  type WrapperOptions,
  wrapperOptionNames,
} from './wrapper-options.js';

/** Options of {@link CircuitBreakerBackend}: the breaker's thresholds plus a listener. */
export interface CircuitBreakerBackendOptions extends WrapperOptions, CircuitBreakerOptions {
  /** Called on every state change (`closed` → `open` → `half-open` → …). A throwing listener is ignored. */
  onStateChange?: CircuitStateListener | undefined;
}

const OWNER = 'CircuitBreakerBackend';

/** Every option name of {@link CircuitBreakerBackendOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = wrapperOptionNames<CircuitBreakerBackendOptions>({
  onStateChange: true,
  failureThreshold: true,
  resetTimeoutMs: true,
});

/**
 * A circuit breaker in front of any backend, using `@cachestack/tiered`'s
 * {@link CircuitBreaker} (the same implementation as each tier of a
 * `TieredBackend`). After `failureThreshold` consecutive TRANSIENT,
 * TIMEOUT, AUTHENTICATION or UNKNOWN failures the circuit opens: calls fail
 * at once with a TRANSIENT {@link BackendError} whose code is
 * `CIRCUIT_OPEN`, without touching the store, until `resetTimeoutMs` has
 * passed; then one trial call decides. State changes are published on
 * `cachestack:breaker` (named after the wrapped `backendType`) and logged
 * (`logger`: warn on open, info on close). PERMANENT errors (bad input,
 * corrupt entries) never count. `healthCheck` always reaches the store and
 * reports the state in `details.circuit`. Exposes exactly the wrapped
 * backend's capabilities; `keys` iteration is not guarded.
 */
export class CircuitBreakerBackend extends BackendWrapper {
  readonly #breaker: CircuitBreaker;

  /**
   * @param inner - the backend to guard.
   * @param options - see {@link CircuitBreakerBackendOptions}; a bad option throws a `TypeError` naming it.
   */
  constructor(inner: BaseBackend, options: CircuitBreakerBackendOptions = {}) {
    checkInner(inner, OWNER);
    checkOptionsObject(options, OWNER, OPTION_NAMES);
    const listener = options.onStateChange;
    if (listener !== undefined && typeof listener !== 'function') {
      throw new TypeError(`${OWNER}: option "onStateChange" must be a function`);
    }
    super(inner, 'circuit-breaker', options, false);
    this.#breaker = new CircuitBreaker(
      options,
      (from, to) => {
        try {
          listener?.(from, to);
        } catch {
          // A throwing listener must not break the backend.
        }
      },
      { name: inner.backendType, logger: this.logger },
    );
  }

  /** The circuit's state now. */
  get state(): CircuitState {
    return this.#breaker.state;
  }

  protected override call<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    start: () => Promise<T>,
  ): Promise<T> {
    const breaker = this.#breaker;
    if (!breaker.tryPass()) {
      return Promise.reject(
        new BackendError({
          type: BackendErrorType.TRANSIENT,
          code: CIRCUIT_OPEN,
          message: `the circuit breaker in front of ${this.inner.backendType} is open`,
          operation,
          key,
        }),
      );
    }
    return startOperation(start).then(
      (value) => {
        breaker.onSuccess();
        return value;
      },
      (error: unknown) => {
        const failure = toBackendError(error, operation, key);
        breaker.onFailure(failure);
        throw failure;
      },
    );
  }

  protected override healthDetails(): Record<string, unknown> {
    return { circuit: this.#breaker.state, consecutiveFailures: this.#breaker.failures };
  }
}
