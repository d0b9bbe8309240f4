import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type Logger,
  logSafely,
  silentLogger,
  toBackendError,
} from '@cachestack/core';
import { classifyRedisError } from './classify-redis-error.js';
import type { RedisClient } from './create-redis-client.js';

const DISCONNECTED = new Set(['reconnecting', 'close', 'disconnecting', 'end']);

/**
 * Watches an ioredis client so operations fail fast while it is
 * disconnected: during a reconnection backoff a command would otherwise wait
 * in the offline queue (or hang), so the backend rejects it at once with a
 * TRANSIENT error (or AUTHENTICATION when the last connection attempt was
 * refused for bad credentials). While connecting, commands go through and
 * fail (or succeed) with the attempt. It logs the connection lost (`warn`),
 * each failed attempt (`debug`) and the connection restored (`info`).
 */
export class ConnectionState {
  readonly #client: RedisClient;
  readonly #logger: Logger;
  readonly #fields: Record<string, unknown>;
  #lastError: unknown;
  #wasReady = false;
  #lost = false;
  readonly #onError = (error: unknown): void => {
    this.#lastError = error;
    logSafely(this.#logger, 'debug', { ...this.#fields, error: describe(error) }, 'Redis error');
  };
  readonly #onClose = (): void => {
    if (!this.#wasReady || this.#lost) return;
    this.#lost = true;
    const error = this.#lastError === undefined ? {} : { error: describe(this.#lastError) };
    logSafely(
      this.#logger,
      'warn',
      { ...this.#fields, ...error },
      'Redis connection lost; reconnecting',
    );
  };
  readonly #onReady = (): void => {
    this.#lastError = undefined;
    this.#wasReady = true;
    if (!this.#lost) return;
    this.#lost = false;
    logSafely(this.#logger, 'info', this.#fields, 'Redis connection restored');
  };

  /**
   * @param logger - where connection changes go (default: silent).
   * @param fields - added to every log entry (backend type, namespace, redacted endpoint).
   */
  constructor(
    client: RedisClient,
    logger: Logger = silentLogger,
    fields: Record<string, unknown> = {},
  ) {
    this.#client = client;
    this.#logger = logger;
    this.#fields = fields;
    client.on('error', this.#onError);
    client.on('ready', this.#onReady);
    client.on('close', this.#onClose);
    if (client.status === 'ready') this.#wasReady = true;
  }

  /** The last connection error since the client was last ready. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** An error to fail `operation` with when the client is disconnected, else `undefined`. */
  check(operation: string, key?: string): BackendError | undefined {
    const status = this.#client.status;
    if (!DISCONNECTED.has(status)) return undefined;
    const cause = this.#lastError;
    const rejected = this.authenticationFailure(operation, key);
    if (rejected !== undefined) return rejected;
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    return new BackendError({
      type: BackendErrorType.TRANSIENT,
      code: BackendErrorCode.UNAVAILABLE,
      message: `not connected to Redis (connection ${status}${reason})`,
      operation,
      key,
      cause,
    });
  }

  /**
   * The last connection error as an AUTHENTICATION {@link BackendError}, when
   * the server rejected the credentials since the client was last ready.
   * Commands queued during that attempt fail with a generic connection
   * error; this restores the real reason.
   */
  authenticationFailure(operation: string, key?: string): BackendError | undefined {
    if (this.#lastError === undefined) return undefined;
    const classified = toBackendError(this.#lastError, operation, key, classifyRedisError);
    return classified.type === BackendErrorType.AUTHENTICATION ? classified : undefined;
  }

  /** Stops watching the client (and logging its changes). */
  detach(): void {
    this.#client.off('error', this.#onError);
    this.#client.off('ready', this.#onReady);
    this.#client.off('close', this.#onClose);
  }
}

/** An error's name, code and message for a log entry (never its stack). */
export function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code } = error as { code?: unknown };
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
}
