export {
  ConformanceViolation,
  type ExpectedBackendError,
  expectBackendError,
} from './assertions.js';
export type {
  BusNode,
  BusNodeContext,
  InvalidationBusConformanceOptions,
} from './bus/bus-options.js';
export {
  describeInvalidationBusConformance,
  INVALIDATION_BUS_CONFORMANCE_GROUPS,
  invalidationBusConformanceGroups,
} from './bus/describe-invalidation-bus-conformance.js';
export { type BusFault, FaultInjectingBus } from './bus/fault-injecting-bus.js';
export {
  type ConformanceGroupSummary,
  conformanceCaseCount,
  conformanceGroups,
} from './catalogue.js';
export { describeBackendConformance } from './describe-backend-conformance.js';
export { defaultSerializerGolden } from './facade/default-serializer-golden.js';
export {
  CACHE_CONFORMANCE_GROUPS,
  cacheConformanceGroups,
  describeCacheConformance,
} from './facade/describe-cache-conformance.js';
export type {
  CacheConformanceFeature,
  CacheConformanceOptions,
  CacheFacade,
  FacadeEventName,
  FacadeSerializer,
  FacadeSetOptions,
  FacadeStats,
} from './facade/facade-options.js';
export { firstDifference } from './facade/same-value.js';
export {
  nestedValue,
  TYPED_ARRAY_VECTOR_NAMES,
  VALUE_VECTORS,
  type ValueVector,
  valueVector,
} from './facade/value-vectors.js';
export {
  type FuzzIssue,
  type FuzzOptions,
  type FuzzReport,
  fuzzBackend,
} from './fuzz/fuzz-backend.js';
export { createFuzzInputs, type FuzzInputs, type FuzzInputsOptions } from './fuzz/fuzz-inputs.js';
export {
  capabilitiesOf,
  formatModelCheckFinding,
  type ModelCheckFinding,
  type ModelCheckInstance,
  type ModelCheckOptions,
  type ModelCheckReport,
  type ModelCheckTarget,
  modelCheck,
  sequenceSeed,
} from './model/model-check.js';
export {
  describeOperation,
  generateSequence,
  HELD_LOCK_TTL_MS,
  type ModelCapabilities,
  type Operation,
  type OperationKind,
} from './model/operations.js';
export {
  type RunSequenceOptions,
  runSequence,
  type SequenceResult,
  type SequenceStats,
} from './model/run-sequence.js';
export { type ShrinkBudget, shrink } from './model/shrink.js';
export type { Violation, ViolationKind } from './model/violations.js';
export type {
  ConformanceFaults,
  ConformanceOptions,
  CreateContext,
  ModelCheckSettings,
} from './options.js';
export type { SuiteCase, SuiteGroup, SuiteGroupSummary } from './suite/suite.js';
export {
  BYTE_WRAPPER_CONFORMANCE_GROUPS,
  byteWrapperConformanceGroups,
  describeByteWrapperConformance,
} from './wrapper/describe-byte-wrapper-conformance.js';
export type { ByteWrapperConformanceOptions, ByteWrapperKind } from './wrapper/wrapper-options.js';
