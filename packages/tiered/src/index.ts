export {
  CircuitBreaker,
  type CircuitBreakerObserver,
  type CircuitBreakerOptions,
  type CircuitState,
  type CircuitStateListener,
  countsAsTierFailure,
} from './circuit-breaker.js';
export type {
  TieredInvalidationEvent,
  TieredInvalidationListener,
} from './invalidation-listeners.js';
export { LocalInvalidationBus } from './local-invalidation-bus.js';
export {
  DEFAULT_INVALIDATION_CHANNEL,
  RedisInvalidationBus,
  type RedisInvalidationBusOptions,
  type RedisPubSubConnection,
} from './redis-invalidation-bus.js';
export { CIRCUIT_OPEN } from './tier.js';
export { TieredBackend } from './tiered-backend.js';
export type {
  TieredBackendOptions,
  TieredInvalidationOptions,
  TierFailureEvent,
  TierOptions,
} from './tiered-backend-options.js';
export type { TierHealth } from './tiered-health.js';
export { isTtlReadable, type TtlReadable, type ValueWithTtl } from './ttl-read.js';
