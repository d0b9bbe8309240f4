export {
  ConformanceViolation,
  type ExpectedBackendError,
  expectBackendError,
} from './assertions.js';
export {
  type ConformanceGroupSummary,
  conformanceCaseCount,
  conformanceGroups,
} from './catalogue.js';
export { describeBackendConformance } from './describe-backend-conformance.js';
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
