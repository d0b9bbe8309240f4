import {
  formatModelCheckFinding,
  type ModelCheckFinding,
  type ModelCheckReport,
  modelCheck,
} from '@cachestack/conformance';
import { FUZZ_MAX_VALUE_BYTES, type FuzzTarget } from './fuzz-targets.js';

// The model check itself (operations as data, the reference model, the
// checks, shrinking) is the conformance kit's `modelCheck`; this module only
// fixes the campaigns' value limit and replay hint.

/** Options of {@link fuzzTarget}. */
export interface FuzzOptions {
  /** Campaign seed; sequence `i` runs on the kit's `sequenceSeed(seed, i)`. */
  seed: number;
  /** Sequences to run, each on a fresh, empty backend. */
  sequences: number;
  /** Operations per sequence. */
  length: number;
  /** Time allowed for shrinking each finding, in ms. @default 20000 */
  shrinkBudgetMs?: number;
  /** Clock slack around expiry, in ms. @default 40 */
  marginMs?: number;
}

/** The first violation of one kind, with the shortest sequence that still shows it. */
export type FuzzFinding = ModelCheckFinding;

/** What one target's campaign found. */
export type FuzzReport = ModelCheckReport;

/**
 * Fuzzes one target with the kit's seeded model check, values limited to
 * {@link FUZZ_MAX_VALUE_BYTES} (every target is configured with it).
 */
export function fuzzTarget(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  return modelCheck(target, { ...options, maxValueBytes: FUZZ_MAX_VALUE_BYTES });
}

/** A finding as text, with the `RELIABILITY_SEED=` to replay it with. */
export function formatFinding(finding: FuzzFinding): string {
  return formatModelCheckFinding(finding, `RELIABILITY_SEED=${finding.seed}`);
}
