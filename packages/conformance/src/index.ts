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
export type { ConformanceFaults, ConformanceOptions, CreateContext } from './options.js';
