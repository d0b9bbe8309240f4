import type { ConformanceGroupSummary } from '../src/catalogue.js';

/** The case catalogue (CASES.md) as Markdown, rendered from `conformanceGroups`. */
export function renderCases(groups: readonly ConformanceGroupSummary[]): string;
