// The classifier lives in core, so that every package talking to Redis (this
// one, and tiered's Redis invalidation bus) classifies with one table.
export { classifyRedisError, REDIS_REPLY_CLASSIFICATIONS } from '@cachestack/core';
