import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type ErrorClassification,
  SYSTEM_ERROR_CLASSIFICATIONS,
  systemErrorCode,
  toBackendError,
} from '@cachestack/core';

/**
 * undici (the `fetch` inside Node.js) error codes for a connection that
 * failed or went away: the service may be back on the next try.
 */
const UNDICI_UNAVAILABLE_CODES = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The first classification found along `error.cause` (and `AggregateError.errors`). */
function classifyNetworkCause(error: unknown, depth = 0): ErrorClassification | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const code = systemErrorCode(error);
  if (code !== undefined) {
    const known = SYSTEM_ERROR_CLASSIFICATIONS[code];
    if (known !== undefined) return known;
    if (UNDICI_UNAVAILABLE_CODES.has(code)) {
      return {
        type: BackendErrorType.TRANSIENT,
        code: BackendErrorCode.UNAVAILABLE,
        hint: `the connection to the cache service failed (${code})`,
      };
    }
  }
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner)) {
    for (const each of inner) {
      const found = classifyNetworkCause(each, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return classifyNetworkCause((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * A `fetch` rejection as a {@link BackendError}. `fetch` wraps network
 * failures in `TypeError: fetch failed` with the socket error as `cause`:
 * `ECONNREFUSED`, `ECONNRESET` and undici's socket errors become TRANSIENT
 * `UNAVAILABLE`; anything unrecognised stays UNKNOWN with the original as
 * `cause`. (Time limits are classified by the caller, which knows its signal.)
 */
export function classifyRequestFailure(
  error: unknown,
  operation: string,
  key?: string,
): BackendError {
  return toBackendError(error, operation, key, classifyNetworkCause);
}

/**
 * An HTTP status the operation did not expect, as a {@link BackendError}:
 *
 * | status           | type           | code                    |
 * | ---------------- | -------------- | ----------------------- |
 * | 401, 403         | AUTHENTICATION | `AUTHENTICATION_FAILED` |
 * | 413              | PERMANENT      | `VALUE_TOO_LARGE`       |
 * | 400              | PERMANENT      | `INVALID_ARGUMENT`      |
 * | 408, 429, 5xx    | TRANSIENT      | `UNAVAILABLE`           |
 * | anything else    | UNKNOWN        | `UNEXPECTED_STATUS`     |
 */
export function classifyStatus(
  status: number,
  detail: string,
  operation: string,
  key?: string,
): BackendError {
  const message = `the cache service answered ${status}${detail === '' ? '' : `: ${detail}`}`;
  const make = (type: BackendErrorType, code: string) =>
    new BackendError({ type, code, message, operation, key });
  if (status === 401 || status === 403) {
    return make(BackendErrorType.AUTHENTICATION, BackendErrorCode.AUTHENTICATION_FAILED);
  }
  if (status === 413) return make(BackendErrorType.PERMANENT, BackendErrorCode.VALUE_TOO_LARGE);
  if (status === 400) return make(BackendErrorType.PERMANENT, BackendErrorCode.INVALID_ARGUMENT);
  if (status === 408 || status === 429 || status >= 500) {
    return make(BackendErrorType.TRANSIENT, BackendErrorCode.UNAVAILABLE);
  }
  return make(BackendErrorType.UNKNOWN, 'UNEXPECTED_STATUS');
}
