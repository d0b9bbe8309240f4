import { BackendError, BackendErrorCode, BackendErrorType, isBackendError } from './errors.js';

/** How one native error code is classified. */
export interface ErrorClassification {
  type: BackendErrorType;
  code: string;
  /** A hint added to the message, e.g. what to check. */
  hint: string;
}

const transient = (hint: string): ErrorClassification => ({
  type: BackendErrorType.TRANSIENT,
  code: BackendErrorCode.UNAVAILABLE,
  hint,
});

/**
 * Node.js system error codes (`error.code` of socket and file-system errors)
 * and how cachestack classifies them.
 */
export const SYSTEM_ERROR_CLASSIFICATIONS: Readonly<Record<string, ErrorClassification>> = {
  ECONNREFUSED: transient('connection refused: is the server running?'),
  ECONNRESET: transient('connection reset by the server'),
  ECONNABORTED: transient('connection aborted'),
  EPIPE: transient('connection closed while writing'),
  ETIMEDOUT: transient('connection timed out'),
  EHOSTUNREACH: transient('host unreachable'),
  ENETUNREACH: transient('network unreachable'),
  ENOTFOUND: transient('host name not found (DNS)'),
  EAI_AGAIN: transient('DNS lookup failed temporarily'),
  EMFILE: transient('too many open files in this process'),
  ENFILE: transient('too many open files on this system'),
  EAGAIN: transient('resource temporarily unavailable'),
  EBUSY: transient('resource busy'),
  EACCES: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.ACCESS_DENIED,
    hint: 'permission denied: check the owner and mode of the files and directories',
  },
  EPERM: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.ACCESS_DENIED,
    hint: 'operation not permitted',
  },
  EROFS: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.ACCESS_DENIED,
    hint: 'read-only file system',
  },
  ENOSPC: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.NO_SPACE,
    hint: 'no space left on device',
  },
  EDQUOT: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.NO_SPACE,
    hint: 'disk quota exceeded',
  },
  ENOTDIR: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.INVALID_PATH,
    hint: 'a path component is a file, not a directory',
  },
  EISDIR: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.INVALID_PATH,
    hint: 'a directory is where a file is expected',
  },
  ENAMETOOLONG: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.INVALID_PATH,
    hint: 'path name too long',
  },
  ELOOP: {
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.INVALID_PATH,
    hint: 'too many symbolic links, or a symbolic link where none is allowed',
  },
  EIO: {
    type: BackendErrorType.PERMANENT,
    code: 'IO_ERROR',
    hint: 'input/output error from the device',
  },
};

/** The `code` property of a Node.js system error, if it has one. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Wraps any thrown value in a {@link BackendError}. A `BackendError` passes
 * through unchanged; a system error is classified by
 * {@link SYSTEM_ERROR_CLASSIFICATIONS} (or `extra`, checked first); anything
 * else becomes UNKNOWN with the original as `cause`.
 * @param extra - adapter-specific classifier; return `undefined` to fall back.
 */
export function toBackendError(
  error: unknown,
  operation: string,
  key?: string,
  extra?: (error: unknown) => ErrorClassification | undefined,
): BackendError {
  let found: ErrorClassification | undefined;
  let detail = 'a thrown value that cannot be read';
  // Never throws itself, whatever was thrown (a revoked Proxy, an object
  // without a prototype that String() cannot convert).
  try {
    if (isBackendError(error)) return error;
    found = extra?.(error) ?? SYSTEM_ERROR_CLASSIFICATIONS[systemErrorCode(error) ?? ''];
    detail = error instanceof Error ? error.message : String(error);
  } catch {
    // Keep what was learnt before the throw.
  }
  if (found === undefined) {
    return new BackendError({
      type: BackendErrorType.UNKNOWN,
      code: BackendErrorCode.UNKNOWN,
      message: detail,
      operation,
      key,
      cause: error,
    });
  }
  return new BackendError({
    type: found.type,
    code: found.code,
    message: `${found.hint} (${detail})`,
    operation,
    key,
    cause: error,
  });
}
