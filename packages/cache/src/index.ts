export { Cache } from './cache.js';
export type {
  CacheEventMap,
  CacheEventName,
  CacheListener,
  KeyEvent,
  StaleReason,
} from './cache-events.js';
export type {
  CacheOptions,
  CacheSetManyEntry,
  CorruptEntryPolicy,
  GetOrSetOptions,
  LockTimeoutPolicy,
  SetOptions,
} from './cache-options.js';
export type { CacheStats } from './cache-stats.js';
export { createCache, DEFAULT_LOCK_MS } from './create-cache.js';
export {
  type AsyncFn,
  type CacheableOptions,
  type CacheEvictOptions,
  type CacheMethodDecorator,
  type CachePutOptions,
  type CacheSource,
  cacheable,
  cacheEvict,
  cachePut,
} from './declarative.js';
export {
  DEFAULT_SERIALIZER_MAX_DEPTH,
  DefaultSerializerTag,
  defaultSerializer,
} from './default-serializer.js';
export { ENVELOPE_FLAG_TAGS, ENVELOPE_HEADER_BYTES, ENVELOPE_MAGIC } from './entry-envelope.js';
export { compileKey, type KeySpec } from './key-template.js';
export type { LoaderContext } from './loader-context.js';
export {
  createMsgpackrSerializer,
  MSGPACKR_SERIALIZER_TAG,
  type MsgpackrModule,
  type MsgpackrSerializerOptions,
  msgpackrSerializer,
} from './msgpackr-serializer.js';
export { DEFAULT_OBJECT_TIER_TTL_MS, type ObjectCacheOptions } from './object-tier.js';
export type { ObjectTierMode } from './object-values.js';
export { parameterNames } from './parameter-names.js';
export { corruptError, type Serializer, unserializableError } from './serializer.js';
export {
  INVALID_TAG,
  MAX_TAG_BYTES,
  MAX_TAGS_PER_CALL,
  MAX_TAGS_PER_ENTRY,
  normalizeTags,
  RESERVED_KEY_CHARACTER,
} from './tags.js';
