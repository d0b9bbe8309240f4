export {
  classifyRedisError,
  REDIS_REPLY_CLASSIFICATIONS,
} from './classify-redis-error.js';
export {
  type RedisClient,
  type RedisTopology,
  reconnectBackoff,
} from './create-redis-client.js';
export { escapeGlob, escapeNamespace, KeyLayout, ROOT_PREFIX } from './key-layout.js';
export { CLUSTER_SLOTS, keySlot } from './key-slot.js';
export { EXTEND_LOCK_SCRIPT, RELEASE_LOCK_SCRIPT } from './lock-commands.js';
export { RedisBackend } from './redis-backend.js';
export {
  REDIS_MAX_VALUE_BYTES,
  type RedisBackendOptions,
  type RedisClusterConnection,
} from './redis-backend-options.js';
export {
  RedisTrackingInvalidation,
  TRACKING_CONNECTION_NAME,
  TRACKING_SOURCE,
} from './redis-tracking-invalidation.js';
export type { RedisTrackingInvalidationOptions, TrackingMode } from './redis-tracking-options.js';
export { INVALIDATE_CHANNEL } from './tracking-connection.js';
export { GET_WITH_TTL_SCRIPT, type ValueWithTtl } from './value-with-ttl.js';
