import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BaseBackend,
  isBackendError,
  logSafely,
  type TimeoutOperation,
  toBackendError,
} from '@cachestack/core';
import { CIRCUIT_OPEN } from '@cachestack/tiered';
import { BackendWrapper } from './backend-wrapper.js';
import { OVERLOADED } from './load-shedding-backend.js';
import {
  checkInner,
  checkOptionsObject,
  numberOptionsOf,
  type WrapperOptions,
  wrapperOptionNames,
} from './wrapper-options.js';

/** Options of {@link RetryBackend}. */
export interface RetryOptions extends WrapperOptions {
  /**
   * Attempts per call, the first included (>= 1).
   * @default 3
   */
  maxAttempts?: number | undefined;
  /**
   * Backoff before retry n is a random delay in [0, min(maxDelayMs, baseDelayMs × 2^(n−1))] ms ("full jitter").
   * @default 10
   */
  baseDelayMs?: number | undefined;
  /**
   * The longest backoff, in ms.
   * @default 200
   */
  maxDelayMs?: number | undefined;
  /**
   * Retry tokens earned per call (each retry spends one): in the long run
   * retries are at most this fraction of calls, so they cannot multiply
   * the load during an outage (0 < ratio <= 1).
   * @default 0.1
   */
  budgetRatio?: number | undefined;
  /**
   * The most tokens the budget holds (and starts with): the largest burst of retries.
   * @default 10
   */
  budgetMax?: number | undefined;
}

/** The operations that may be retried: idempotent reads. Writes never are. */
export const RETRIED_OPERATIONS: ReadonlySet<TimeoutOperation> = new Set<TimeoutOperation>([
  'get',
  'exists',
  'getTtl',
  'getMany',
  'keys',
]);

/** TRANSIENT codes that are not retried: retrying a refusal would add the load it protects against. */
const NOT_RETRIED: ReadonlySet<string> = new Set([OVERLOADED, CIRCUIT_OPEN]);

const OWNER = 'RetryBackend';

const option = numberOptionsOf(OWNER);

/** Every option name of {@link RetryOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = wrapperOptionNames<RetryOptions>({
  maxAttempts: true,
  baseDelayMs: true,
  maxDelayMs: true,
  budgetRatio: true,
  budgetMax: true,
});

/**
 * Retries TRANSIENT failures of idempotent reads ({@link RETRIED_OPERATIONS})
 * with jittered exponential backoff, within a token-bucket retry budget.
 * Writes, deletes, locks and TIMEOUT, PERMANENT, AUTHENTICATION errors are
 * never retried; neither are `OVERLOADED` and `CIRCUIT_OPEN` refusals. A
 * `keys` listing is retried only before its first key. Exposes exactly the
 * wrapped backend's capabilities.
 */
export class RetryBackend extends BackendWrapper {
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #ratio: number;
  readonly #budgetMax: number;
  #tokens: number;
  #retries = 0;
  #budgetWarned = false;

  /**
   * @param inner - the backend whose reads are retried.
   * @param options - see {@link RetryOptions}; a bad option throws a `TypeError` naming it.
   */
  constructor(inner: BaseBackend, options: RetryOptions = {}) {
    checkInner(inner, OWNER);
    checkOptionsObject(options, OWNER, OPTION_NAMES);
    const maxAttempts = option(
      'maxAttempts',
      options.maxAttempts,
      3,
      (n) => Number.isInteger(n) && n >= 1,
      'an integer >= 1',
    );
    const baseDelayMs = option(
      'baseDelayMs',
      options.baseDelayMs,
      10,
      (n) => n >= 0,
      'a finite number of ms >= 0',
    );
    const maxDelayMs = option(
      'maxDelayMs',
      options.maxDelayMs,
      Math.max(200, baseDelayMs),
      (n) => n >= baseDelayMs,
      `a finite number of ms >= baseDelayMs (${baseDelayMs})`,
    );
    const ratio = option(
      'budgetRatio',
      options.budgetRatio,
      0.1,
      (n) => n > 0 && n <= 1,
      'a number in (0, 1]',
    );
    const budgetMax = option(
      'budgetMax',
      options.budgetMax,
      10,
      (n) => n >= 1,
      'a finite number >= 1',
    );
    super(inner, 'retry', options, false);
    this.#maxAttempts = maxAttempts;
    this.#baseDelayMs = baseDelayMs;
    this.#maxDelayMs = maxDelayMs;
    this.#ratio = ratio;
    this.#budgetMax = budgetMax;
    this.#tokens = budgetMax;
  }

  /** Retry tokens available now. */
  get budget(): number {
    return this.#tokens;
  }

  /** Retries made so far. */
  get retries(): number {
    return this.#retries;
  }

  protected override async call<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    start: () => Promise<T>,
  ): Promise<T> {
    if (!RETRIED_OPERATIONS.has(operation)) return start();
    this.#earn();
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await start();
      } catch (error) {
        if (!this.#mayRetry(error, attempt, operation, key)) throw error;
        await this.#backoff(attempt);
      }
    }
  }

  protected override async *listKeys(
    list: (prefix?: string) => AsyncIterable<string>,
    prefix?: string,
  ): AsyncGenerator<string> {
    this.#earn();
    for (let attempt = 1; ; attempt += 1) {
      let yielded = false;
      try {
        for await (const key of list(prefix)) {
          yielded = true;
          yield key;
        }
        return;
      } catch (error) {
        if (yielded || !this.#mayRetry(error, attempt, 'keys', undefined)) {
          throw toBackendError(error, 'keys');
        }
        await this.#backoff(attempt);
      }
    }
  }

  protected override healthDetails(): Record<string, unknown> {
    return { retryBudget: this.#tokens, retries: this.#retries };
  }

  #earn(): void {
    this.#tokens = Math.min(this.#budgetMax, this.#tokens + this.#ratio);
  }

  /** Decides on a retry (spending a token) and logs it: debug per retry, warn once when the budget runs dry. */
  #mayRetry(error: unknown, attempt: number, operation: string, key: string | undefined): boolean {
    if (attempt >= this.#maxAttempts || this.closed) return false;
    if (!isBackendError(error) || !error.isTransient || NOT_RETRIED.has(error.code)) return false;
    const fields = { operation, key, attempt, errorType: error.type, errorCode: error.code };
    if (this.#tokens < 1) {
      if (!this.#budgetWarned) {
        this.#budgetWarned = true;
        logSafely(
          this.logger,
          'warn',
          fields,
          `retry budget spent: ${operation} fails without retrying`,
        );
      }
      return false;
    }
    this.#budgetWarned = false;
    this.#tokens -= 1;
    this.#retries += 1;
    logSafely(this.logger, 'debug', fields, `retrying ${operation} after attempt ${attempt}`);
    return true;
  }

  #backoff(attempt: number): Promise<void> {
    const cap = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return sleep(Math.random() * cap);
  }
}
