/**
 * How a failure should be handled by the caller.
 *
 * - `TRANSIENT`: the store is temporarily unavailable (connection refused,
 *   `SQLITE_BUSY`, Redis `LOADING`); retrying later may succeed.
 * - `PERMANENT`: retrying the same call will fail the same way (bad input,
 *   closed backend, corrupt store, missing capability).
 * - `TIMEOUT`: the operation exceeded its time limit; its outcome is unknown.
 * - `AUTHENTICATION`: credentials or permissions were rejected.
 * - `UNKNOWN`: a failure the adapter could not classify; `cause` holds it.
 */
export const BackendErrorType = {
  TRANSIENT: 'TRANSIENT',
  PERMANENT: 'PERMANENT',
  TIMEOUT: 'TIMEOUT',
  AUTHENTICATION: 'AUTHENTICATION',
  UNKNOWN: 'UNKNOWN',
} as const;

/** One of the {@link BackendErrorType} values. */
export type BackendErrorType = (typeof BackendErrorType)[keyof typeof BackendErrorType];

/**
 * Machine-readable reasons shared by every adapter. Adapters may use other
 * codes for store-specific reasons; these are the ones callers can rely on.
 */
export const BackendErrorCode = {
  /** The key is not a non-empty, well-formed string of at most 1024 UTF-8 bytes. */
  INVALID_KEY: 'INVALID_KEY',
  /** The TTL is not `undefined` or a finite number of ms greater than 0. */
  INVALID_TTL: 'INVALID_TTL',
  /** The value is not a `Uint8Array`. */
  INVALID_VALUE: 'INVALID_VALUE',
  /** The value is larger than the backend's documented maximum. */
  VALUE_TOO_LARGE: 'VALUE_TOO_LARGE',
  /** A timeout given to `withTimeout` is not a finite number of ms greater than 0. */
  INVALID_TIMEOUT: 'INVALID_TIMEOUT',
  /** An argument other than key, value, TTL or timeout is invalid. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The backend was closed. */
  CLOSED: 'CLOSED',
  /** Stored data failed an integrity check. */
  CORRUPT: 'CORRUPT',
  /** The operation exceeded its time limit. */
  TIMEOUT: 'TIMEOUT',
  /** The store could not be reached (refused, reset, closed connection, busy). */
  UNAVAILABLE: 'UNAVAILABLE',
  /** Credentials or permissions were rejected. */
  AUTHENTICATION_FAILED: 'AUTHENTICATION_FAILED',
  /** The store has no space left (disk full, Redis OOM). */
  NO_SPACE: 'NO_SPACE',
  /** The store or its files are read-only or not accessible. */
  ACCESS_DENIED: 'ACCESS_DENIED',
  /** A file-system path is unusable (a file where a directory is expected, too long, a symlink loop). */
  INVALID_PATH: 'INVALID_PATH',
  /** A lock could not be had within the time allowed. */
  LOCK_TIMEOUT: 'LOCK_TIMEOUT',
  /** The backend does not offer the requested capability. */
  CAPABILITY_NOT_AVAILABLE: 'CAPABILITY_NOT_AVAILABLE',
  /** A tag is not a non-empty, well-formed string within the tag limits (the facade's tags). */
  INVALID_TAG: 'INVALID_TAG',
  /** The call was refused at once because too many are in flight (load shedding); TRANSIENT. */
  OVERLOADED: 'OVERLOADED',
  /** The call was refused at once because a circuit breaker is open; TRANSIENT. */
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  /** A failure that could not be classified. */
  UNKNOWN: 'UNKNOWN',
} as const;

/** A well-known {@link BackendErrorCode}, or an adapter-specific code string. */
export type BackendErrorCode =
  | (typeof BackendErrorCode)[keyof typeof BackendErrorCode]
  | (string & Record<never, never>);

/** What a {@link BackendError} is built from. */
export interface BackendErrorOptions {
  /** How the failure should be handled. */
  type: BackendErrorType;
  /** Machine-readable reason, e.g. `INVALID_KEY`. */
  code: BackendErrorCode;
  /** Human-readable detail; the operation and key are added by the error. */
  message: string;
  /** The operation that failed, e.g. `get`. */
  operation?: string | undefined;
  /** The key involved, when there is one. */
  key?: string | undefined;
  /** The underlying native error. */
  cause?: unknown;
}

/** Longest key prefix, in UTF-16 code units, shown in an error message. */
export const KEY_DISPLAY_LENGTH = 64;

const BRAND = Symbol.for('cachestack.BackendError');

function displayKey(key: string): string {
  if (key.length <= KEY_DISPLAY_LENGTH) return JSON.stringify(key);
  return `${JSON.stringify(key.slice(0, KEY_DISPLAY_LENGTH))}… (${key.length} chars)`;
}

function formatMessage(options: BackendErrorOptions): string {
  const where = options.operation ? `${options.operation}` : 'operation';
  const key = options.key === undefined ? '' : ` key ${displayKey(options.key)}`;
  return `${where}${key} failed [${options.type} ${options.code}]: ${options.message}`;
}

/**
 * The only error a cachestack backend rejects with. Every native failure is
 * mapped onto a {@link BackendErrorType} and a {@link BackendErrorCode}; the
 * native error stays available as `cause`.
 *
 * `instanceof BackendError` also recognises errors created by another copy of
 * this package (for example one loaded through `require` and one through
 * `import`).
 */
export class BackendError extends Error {
  /** How the failure should be handled. */
  readonly type: BackendErrorType;
  /** Machine-readable reason, e.g. `INVALID_KEY`. */
  readonly code: BackendErrorCode;
  /** The operation that failed, e.g. `get`, when known. */
  readonly operation: string | undefined;
  /** The full key involved, when there is one (messages show it truncated). */
  readonly key: string | undefined;

  constructor(options: BackendErrorOptions) {
    super(
      formatMessage(options),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'BackendError';
    this.type = options.type;
    this.code = options.code;
    this.operation = options.operation;
    this.key = options.key;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: subclasses keep ordinary instanceof.
    if (this !== BackendError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isBackendError(value);
  }

  /** True when retrying later may succeed. */
  get isTransient(): boolean {
    return this.type === BackendErrorType.TRANSIENT;
  }
  /** True when retrying the same call fails the same way. */
  get isPermanent(): boolean {
    return this.type === BackendErrorType.PERMANENT;
  }
  /** True when the operation exceeded its time limit. */
  get isTimeout(): boolean {
    return this.type === BackendErrorType.TIMEOUT;
  }
  /** True when credentials or permissions were rejected. */
  get isAuthentication(): boolean {
    return this.type === BackendErrorType.AUTHENTICATION;
  }
}

/**
 * Thrown by {@link requireCapability} when a backend does not offer a
 * capability. A PERMANENT {@link BackendError} with code
 * `CAPABILITY_NOT_AVAILABLE`.
 */
export class CapabilityNotAvailableError extends BackendError {
  /** The capability that was asked for, e.g. `lock`. */
  readonly capability: string;
  /** The `backendType` of the backend that lacks it. */
  readonly backendType: string;

  constructor(capability: string, backendType: string) {
    super({
      type: BackendErrorType.PERMANENT,
      code: BackendErrorCode.CAPABILITY_NOT_AVAILABLE,
      message: `backend "${backendType}" does not offer the "${capability}" capability`,
      operation: 'requireCapability',
    });
    this.name = 'CapabilityNotAvailableError';
    this.capability = capability;
    this.backendType = backendType;
  }
}

/**
 * True when `value` is a {@link BackendError}, including one created by
 * another copy of this package.
 */
export function isBackendError(value: unknown): value is BackendError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

/** A PERMANENT `CLOSED` error for an operation attempted after `close()`. */
export function closedError(operation: string, backendType: string, key?: string): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.CLOSED,
    message: `the ${backendType} backend is closed`,
    operation,
    key,
  });
}

/** A TIMEOUT error for an operation that exceeded `timeoutMs`. */
export function timeoutError(operation: string, timeoutMs: number, key?: string): BackendError {
  return new BackendError({
    type: BackendErrorType.TIMEOUT,
    code: BackendErrorCode.TIMEOUT,
    message: `no result within ${timeoutMs} ms`,
    operation,
    key,
  });
}
