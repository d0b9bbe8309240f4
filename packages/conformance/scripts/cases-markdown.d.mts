import type { ConformanceGroupSummary, SuiteGroupSummary } from '../src/index.js';

/** One entry point above bytes, as a CASES.md section. */
export interface LayerSection {
  title: string;
  entry: string;
  groups: readonly SuiteGroupSummary[];
}

/** The case catalogue (CASES.md) as Markdown, rendered from `conformanceGroups` and the layer kits. */
export function renderCases(
  groups: readonly ConformanceGroupSummary[],
  layers?: readonly LayerSection[],
): string;

/** The entry points above bytes, in CASES.md order. */
export function layerSections(kit: typeof import('../src/index.js')): LayerSection[];
