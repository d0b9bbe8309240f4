export { KeyvCachestack, type KeyvStoreEntry } from './keyv-cachestack.js';
export type { KeyvCachestackOptions, KeyvCachestackStoreOpts } from './keyv-cachestack-options.js';
