export {
  ENTRY_FORMAT_VERSION,
  ENTRY_MAGIC,
  HEADER_BYTES,
} from './entry-format.js';
export { FileBackend } from './file-backend.js';
export {
  DEFAULT_MAX_VALUE_BYTES,
  type Durability,
  type FileBackendOptions,
  MAX_VALUE_BYTES_LIMIT,
} from './file-backend-options.js';
export { GUARD_STALE_MS } from './file-locks.js';
export { FILE_ERROR_CLASSIFICATIONS, toFileBackendError } from './fs-errors.js';
