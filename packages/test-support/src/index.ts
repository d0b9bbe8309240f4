export { BAD_TIMEOUTS_OPTIONS } from './bad-timeouts-options.js';
export { baseOnly } from './base-only.js';
export {
  killHard,
  type NodeRun,
  type NodeRunOptions,
  type RunAs,
  runNode,
  spawnUntilLine,
} from './child-process.js';
export { type Deferred, deferred } from './deferred.js';
export {
  type CacheTestsOrigin,
  type CacheTestsRun,
  cacheTestsDir,
  type KindScore,
  type PublishedCacheTestsScore,
  publishedCacheTestsScores,
  type RunCacheTestsOptions,
  runCacheTests,
  startCacheTestsOrigin,
} from './http-cache-suite.js';
export { LatencyProxy } from './latency-proxy.js';
export {
  contextsOf,
  type EventRecording,
  type LogLine,
  memoryLogger,
  printed,
  type RecordEventsOptions,
  type RecordTracesOptions,
  recordEvents,
  recordTraces,
  type StopWith,
  settled,
  type TraceEvent,
  type TraceEventName,
  type TraceRecording,
  throwingLogger,
} from './observe.js';
export { type ReadmeSnippet, readmeSnippets } from './readme-snippets.js';
export { RedisCluster, type RedisClusterOptions } from './redis-cluster.js';
export {
  command,
  freePort,
  RedisServer,
  type RedisServerOptions,
  requireBinary,
} from './redis-server.js';
export {
  REFERENCE_MAX_VALUE_BYTES,
  ReferenceBackend,
  type ReferenceBackendOptions,
} from './reference-backend.js';
export { referenceFaultHooks } from './reference-fault-hooks.js';
export {
  type ReferenceEntry,
  ReferenceStore,
  type ReferenceStoreOptions,
} from './reference-store.js';
export { rejection } from './rejection.js';
