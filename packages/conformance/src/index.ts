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
export type { ConformanceFaults, ConformanceOptions, CreateContext } from './options.js';
