export { BackendCacheStore } from './backend-cache-store.js';
export {
  type BackendCacheStoreOptions,
  type CacheStoreErrorContext,
  type CacheStoreOperation,
  DEFAULT_LOCK_WAIT_MS,
  DEFAULT_MAX_ENTRY_SIZE,
  DEFAULT_MAX_VARIANTS_PER_PATH,
  DEFAULT_TIMEOUT_MS,
} from './backend-cache-store-options.js';
export { EntryWriter } from './entry-writer.js';
export type {
  CacheInterceptorOptions,
  CacheKey,
  CacheStore,
  CacheValue,
  GetResult,
} from './undici-types.js';
