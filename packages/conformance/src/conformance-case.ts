import type { CapabilityName } from '@cachestack/core';
import type { ConformanceHarness } from './harness.js';
import type { ResolvedConformanceOptions } from './resolve-options.js';

/** One named check of the contract. */
export interface ConformanceCase {
  /** The test name: the rule it checks, in words. */
  readonly name: string;
  /** Why the case exists: the wrong backend it catches, for the case catalogue (CASES.md). */
  readonly why: string;
  /**
   * Returns why this case cannot run with these options (a missing fault
   * hook, no shared store), or `undefined` when it can. The reason is shown
   * in the skipped test's name.
   */
  readonly skip?: (options: ResolvedConformanceOptions) => string | undefined;
  /** Runs the check; throws (a {@link ConformanceViolation} or an assertion error) when a rule breaks. */
  readonly run: (harness: ConformanceHarness) => Promise<void>;
}

/** A group of cases, registered as one nested `describe`. */
export interface ConformanceGroup {
  /** The `describe` name, e.g. `ttl inspection`. */
  readonly name: string;
  /** The capability the group checks; the group runs only when the backend claims it. */
  readonly capability?: CapabilityName;
  /** What the group checks, for the catalogue. */
  readonly description: string;
  /** The cases, in order. */
  readonly cases: readonly ConformanceCase[];
}
