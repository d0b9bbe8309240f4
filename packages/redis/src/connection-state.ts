import { BackendError, BackendErrorCode, BackendErrorType, toBackendError } from '@cachestack/core';
import { classifyRedisError } from './classify-redis-error.js';
import type { RedisClient } from './create-redis-client.js';

const DISCONNECTED = new Set(['reconnecting', 'close', 'disconnecting', 'end']);

/**
 * Watches an ioredis client so operations fail fast while it is
 * disconnected: during a reconnection backoff a command would otherwise wait
 * in the offline queue (or hang), so the backend rejects it at once with a
 * TRANSIENT error (or AUTHENTICATION when the last connection attempt was
 * refused for bad credentials). While connecting, commands go through and
 * fail (or succeed) with the attempt.
 */
export class ConnectionState {
  readonly #client: RedisClient;
  #lastError: unknown;
  readonly #onError = (error: unknown): void => {
    this.#lastError = error;
  };
  readonly #onReady = (): void => {
    this.#lastError = undefined;
  };

  constructor(client: RedisClient) {
    this.#client = client;
    client.on('error', this.#onError);
    client.on('ready', this.#onReady);
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

  /** Stops watching the client. */
  detach(): void {
    this.#client.off('error', this.#onError);
    this.#client.off('ready', this.#onReady);
  }
}
