import { BackendError, BackendErrorCode, BackendErrorType } from '@cachestack/core';

/**
 * Turns values into bytes for a backend and back. `serialize` may throw for
 * values it cannot represent; `deserialize` may throw for bytes it did not
 * write. The cache wraps both failures in a {@link @cachestack/core!BackendError | BackendError}
 * (`INVALID_VALUE` on write, `CORRUPT` on read), so a custom serializer may
 * throw anything.
 */
export interface Serializer {
  /** A short name for messages and stats, e.g. `default`, `msgpackr`. */
  readonly name?: string;
  /** Encodes `value`. The returned array is not modified afterwards by the cache. */
  serialize(value: unknown): Uint8Array;
  /** Decodes bytes produced by {@link Serializer.serialize}. */
  deserialize(bytes: Uint8Array): unknown;
}

/**
 * A PERMANENT `CORRUPT` {@link @cachestack/core!BackendError | BackendError} for stored bytes that cannot be
 * decoded (operation `deserialize`).
 */
export function corruptError(message: string, key?: string, cause?: unknown): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.CORRUPT,
    message,
    operation: 'deserialize',
    key,
    cause,
  });
}

/**
 * A PERMANENT `INVALID_VALUE` {@link @cachestack/core!BackendError | BackendError} for a value the serializer
 * cannot encode (operation `serialize`).
 */
export function unserializableError(message: string, key?: string, cause?: unknown): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.INVALID_VALUE,
    message,
    operation: 'serialize',
    key,
    cause,
  });
}
