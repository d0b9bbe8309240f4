import {
  type BackendError,
  BackendErrorCode,
  BackendErrorType,
  type ErrorClassification,
  systemErrorCode,
  toBackendError,
} from '@cachestack/core';

/**
 * File-system error codes the core table does not cover, and how this
 * backend classifies them.
 */
export const FILE_ERROR_CLASSIFICATIONS: Readonly<Record<string, ErrorClassification>> = {
  ENOENT: {
    type: BackendErrorType.TRANSIENT,
    code: BackendErrorCode.UNAVAILABLE,
    hint: 'the cache directory kept vanishing during the operation (is a cleanup job removing it?)',
  },
  ENOTDIR: {
    type: BackendErrorType.PERMANENT,
    code: 'NOT_A_DIRECTORY',
    hint: 'a part of the cache directory path is not a directory (was it replaced by a file?)',
  },
  EISDIR: {
    type: BackendErrorType.PERMANENT,
    code: 'NOT_A_FILE',
    hint: 'a directory is in the place of a cache file',
  },
  ELOOP: {
    type: BackendErrorType.PERMANENT,
    code: 'SYMLINK_REFUSED',
    hint: 'a symbolic link is in the place of a cache file or directory; it is never followed',
  },
  EEXIST: {
    type: BackendErrorType.PERMANENT,
    code: 'NOT_A_DIRECTORY',
    hint: 'something other than a directory is in the place of a cache directory',
  },
  ENAMETOOLONG: {
    type: BackendErrorType.PERMANENT,
    code: 'INVALID_ARGUMENT',
    hint: 'the cache directory path is too long',
  },
};

function classify(error: unknown): ErrorClassification | undefined {
  return FILE_ERROR_CLASSIFICATIONS[systemErrorCode(error) ?? ''];
}

/**
 * Wraps any error from a file-system call in a {@link BackendError}: the core
 * table (EACCES, EPERM, EROFS → ACCESS_DENIED; ENOSPC, EDQUOT → NO_SPACE; EIO;
 * EMFILE → TRANSIENT) plus {@link FILE_ERROR_CLASSIFICATIONS}.
 */
export function toFileBackendError(error: unknown, operation: string, key?: string): BackendError {
  return toBackendError(error, operation, key, classify);
}

/**
 * The error thrown when a directory checked a moment ago is gone or was
 * replaced (by a symlink or a file): an ENOENT, so the caller recreates the
 * directories and retries like after a cleanup job removed them.
 */
export function directoryReplacedError(path: string): Error {
  return Object.assign(new Error(`${path} is gone or no longer a real directory`), {
    code: 'ENOENT',
  });
}

/** True for "it is not there" (ENOENT): a miss, never an error. */
export function isMissing(error: unknown): boolean {
  return systemErrorCode(error) === 'ENOENT';
}
