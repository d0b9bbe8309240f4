export { createMemoryBackend } from './create-memory-backend.js';
export {
  EVICTION_POLICIES,
  type EvictionPolicy,
  type MemoryPolicyOptions,
} from './eviction/eviction-policy.js';
export { MemoryBackend } from './memory-backend.js';
export {
  DEFAULT_MAX_ENTRIES,
  DEFAULT_PURGE_INTERVAL_MS,
  ENTRY_OVERHEAD_BYTES,
  entrySizeBytes,
  type MemoryBackendOptions,
  type MemorySnapshotOptions,
} from './memory-backend-options.js';
export {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_MAGIC,
  SNAPSHOT_VERSION,
  type SnapshotEntry,
  SnapshotFormatError,
} from './snapshot-format.js';
export { INVALID_PATH } from './snapshot-persistence.js';
