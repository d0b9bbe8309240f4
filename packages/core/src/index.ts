export type { BaseBackend, HealthStatus } from './backend.js';
export {
  type AcquireLockOptions,
  type BackendWith,
  type Batch,
  type BatchEntry,
  CAPABILITY_NAMES,
  type CapabilityMap,
  type CapabilityName,
  type Clearable,
  type KeyIterable,
  type Lock,
  type Lockable,
  type TimeoutConfigurable,
  type TimeoutOperation,
  type TTLInspectable,
  type UnionToIntersection,
} from './capabilities.js';
export {
  CAPABILITY_METHODS,
  hasCapability,
  isBatch,
  isClearable,
  isKeyIterable,
  isLockable,
  isTimeoutConfigurable,
  isTtlInspectable,
  requireCapability,
} from './capability-guards.js';
export {
  BackendError,
  BackendErrorCode,
  type BackendErrorOptions,
  BackendErrorType,
  CapabilityNotAvailableError,
  closedError,
  isBackendError,
  KEY_DISPLAY_LENGTH,
  timeoutError,
} from './errors.js';
export {
  type BreakerStateEvent,
  EVENT_CHANNEL_NAMES,
  type EventChannelName,
  type InvalidationEvent,
  publishBreakerState,
  publishInvalidation,
} from './events-channels.js';
export { type PrepareFilePathOptions, prepareFilePath } from './file-path.js';
export { probeHealth } from './health.js';
export {
  type HealthSummary,
  type HealthSummaryOptions,
  type HealthSummaryStatus,
  healthSummary,
  type TierHealthSummary,
} from './health-summary.js';
export { InProcessLockTable, type LockGrant } from './in-process-lock-table.js';
export type {
  InvalidationBus,
  InvalidationHandlers,
  InvalidationMessage,
} from './invalidation.js';
export { assertKnownOptions, closestName, editDistance } from './known-options.js';
export {
  hasLocalRead,
  LOCAL_READ,
  LOCAL_READ_UNAVAILABLE,
  type LocalReadable,
} from './local-read.js';
export { createLockHandle, createLockToken, type LockHandleOptions } from './lock-handle.js';
export {
  type Logger,
  type LogLevel,
  logSafely,
  redactUrl,
  resolveLogger,
  silentLogger,
} from './logger.js';
export {
  MAX_TIMER_MS,
  OperationTimeouts,
  raceWithTimeout,
  TIMEOUT_OPERATIONS,
  type TimeoutDefaults,
} from './operation-timeouts.js';
export { classifyRedisError, REDIS_REPLY_CLASSIFICATIONS } from './redis-errors.js';
export { type RetryUntilOptions, retryUntil } from './retry-until.js';
export {
  type ErrorClassification,
  SYSTEM_ERROR_CLASSIFICATIONS,
  systemErrorCode,
  toBackendError,
} from './system-errors.js';
export { resolveTimeoutsOption } from './timeouts-option.js';
export {
  type OperationTraceContext,
  OperationTracer,
  TRACING_CHANNEL_NAMES,
  type TraceOutcome,
  type TracingChannelName,
} from './tracing.js';
export {
  assertValidKey,
  assertValidKeys,
  assertValidPrefix,
  assertValidValue,
  copyBytes,
  MAX_KEY_BYTES,
  MAX_TTL_MS,
  type NormalizedBatchEntry,
  type NormalizedLockOptions,
  normalizeBatchEntries,
  normalizeLockOptions,
  normalizeRequiredTtl,
  normalizeTtl,
  normalizeWaitMs,
} from './validation.js';
export {
  BORROWED_READ,
  type BorrowedReadable,
  hasBorrowedRead,
  hasTransferredSet,
  ownsWholeBuffer,
  TRANSFERRED_SET,
  type TransferredSettable,
} from './zero-copy.js';
