export { ATTRIBUTE_NAMES } from './attributes.js';
export { BREAKER_STATE_VALUES } from './event-metrics.js';
export { type CachestackInstrumentation, instrumentCachestack } from './instrument-cachestack.js';
export {
  type CachestackInstrumentationOptions,
  INSTRUMENTATION_NAME,
} from './instrumentation-options.js';
export { DURATION_BUCKETS_SECONDS, METRIC_NAMES } from './operation-metrics.js';
