import type { CapabilityName } from '@cachestack/core';
import { CONFORMANCE_GROUP_DEFINITIONS } from './groups/index.js';

/** One group of the suite as listed in {@link conformanceGroups}. */
export interface ConformanceGroupSummary {
  /** The nested `describe` name. */
  readonly name: string;
  /** The capability the group checks, when it is a capability group (it runs only when claimed). */
  readonly capability: CapabilityName | undefined;
  /** What the group checks. */
  readonly description: string;
  /** The test names, in order. */
  readonly cases: readonly string[];
  /** Why each case exists (the wrong backend it catches), by case name. */
  readonly why: Readonly<Record<string, string>>;
}

/** Every group of the suite with its case names, so users can count and list them. */
export const conformanceGroups: readonly ConformanceGroupSummary[] =
  CONFORMANCE_GROUP_DEFINITIONS.map((group) => ({
    name: group.name,
    capability: group.capability,
    description: group.description,
    cases: group.cases.map((entry) => entry.name),
    why: Object.fromEntries(group.cases.map((entry) => [entry.name, entry.why])),
  }));

/** The total number of cases over every group. */
export const conformanceCaseCount: number = conformanceGroups.reduce(
  (total, group) => total + group.cases.length,
  0,
);
