export {
  ADAPTIVE_OPERATIONS,
  AdaptiveTimeoutBackend,
  type AdaptiveTimeoutOptions,
} from './adaptive-timeout-backend.js';
export { BackendWrapper } from './backend-wrapper.js';
export {
  CircuitBreakerBackend,
  type CircuitBreakerBackendOptions,
} from './circuit-breaker-backend.js';
export {
  COMPRESSION_HEADER_BYTES,
  COMPRESSION_MAGIC,
  CompressionBackend,
  type CompressionBackendOptions,
} from './compression-backend.js';
export { type CompressionAlgorithm, zstdAvailable } from './compression-codec.js';
export {
  ENCRYPTION_HEADER_BYTES,
  ENCRYPTION_MAGIC,
  EncryptionBackend,
  type EncryptionBackendOptions,
} from './encryption-backend.js';
export { ENCRYPTION_KEY_BYTES, EncryptionKey } from './encryption-key.js';
export {
  LoadSheddingBackend,
  type LoadSheddingOptions,
  OVERLOADED,
} from './load-shedding-backend.js';
export {
  type CachePreset,
  type CachePresetOptions,
  cachePreset,
  type PresetOptions,
  presetBackend,
} from './presets.js';
export { RETRIED_OPERATIONS, RetryBackend, type RetryOptions } from './retry-backend.js';
export type { WrapperOptions } from './wrapper-options.js';
