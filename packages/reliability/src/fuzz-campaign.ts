import { createFuzzInputs } from '@cachestack/conformance';
import { capabilitiesOf, FUZZ_MAX_VALUE_BYTES, type FuzzTarget } from './fuzz-targets.js';
import { describeOperation, generateSequence, type Operation } from './operations.js';
import { runSequence, type Violation, type ViolationKind } from './run-sequence.js';
import { sequenceSeed } from './seed.js';
import { shrink } from './shrink.js';

/** Options of {@link fuzzTarget}. */
export interface FuzzOptions {
  /** Campaign seed; sequence `i` runs on `sequenceSeed(seed, i)`. */
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
export interface FuzzFinding {
  target: string;
  seed: number;
  /** Index of the sequence (0-based) in the campaign of `seed`. */
  sequence: number;
  /** Operations per sequence in that campaign. */
  length: number;
  violation: Violation;
  /** The shrunk sequence; its last operation is the failing one. */
  shortest: Operation[];
}

/** What one target's campaign found. */
export interface FuzzReport {
  target: string;
  seed: number;
  sequences: number;
  /** Calls made (verification reads included). */
  calls: number;
  /** Invalid calls rejected with the expected code. */
  rejectedInvalid: number;
  /** Every violation, by kind. */
  violations: Partial<Record<ViolationKind, number>>;
  /** The first finding of each violation kind, shrunk. */
  findings: FuzzFinding[];
  durationMs: number;
}

/** Runs `operations` on a fresh instance; the first violation of `kind`, if any. */
async function replay(
  target: FuzzTarget,
  id: string,
  operations: readonly Operation[],
  marginMs: number,
  kind: ViolationKind,
): Promise<Violation | undefined> {
  const instance = await target.create(id);
  try {
    const result = await runSequence(instance, operations, {
      marginMs,
      stopAtFirst: false,
    });
    return result.firstByKind.get(kind);
  } finally {
    await instance.dispose();
  }
}

/**
 * Fuzzes one target: `sequences` random sequences from `seed`, each checked
 * by {@link runSequence} on a fresh backend. The first violation of each kind
 * is shrunk to the shortest sequence that still fails the same way.
 */
export async function fuzzTarget(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const marginMs = options.marginMs ?? 40;
  const report: FuzzReport = {
    target: target.name,
    seed: options.seed,
    sequences: options.sequences,
    calls: 0,
    rejectedInvalid: 0,
    violations: {},
    findings: [],
    durationMs: 0,
  };
  for (let sequence = 0; sequence < options.sequences; sequence++) {
    const inputs = createFuzzInputs(sequenceSeed(options.seed, sequence), {
      largeValueBytes: FUZZ_MAX_VALUE_BYTES + 1,
    });
    const id = `${options.seed}-${sequence}-${process.pid}`;
    const instance = await target.create(id);
    let operations: Operation[];
    let result: Awaited<ReturnType<typeof runSequence>>;
    try {
      const capabilities = capabilitiesOf(instance.backend);
      operations = generateSequence(
        inputs,
        options.length,
        capabilities,
        FUZZ_MAX_VALUE_BYTES,
        instance.peer !== undefined,
      );
      result = await runSequence(instance, operations, { marginMs, stopAtFirst: false });
    } finally {
      await instance.dispose();
    }
    report.calls += result.stats.calls;
    report.rejectedInvalid += result.stats.rejectedInvalid;
    for (const [kind, count] of Object.entries(result.stats.violations)) {
      const key = kind as ViolationKind;
      report.violations[key] = (report.violations[key] ?? 0) + count;
    }
    for (const [kind, violation] of result.firstByKind) {
      if (report.findings.some((finding) => finding.violation.kind === kind)) continue;
      const prefix = operations.slice(0, violation.index + 1);
      let attempt = 0;
      const shortest = await shrink(
        prefix,
        async (candidate) =>
          (await replay(target, `${id}-s${attempt++}`, candidate, marginMs, kind)) !== undefined,
        { deadline: Date.now() + (options.shrinkBudgetMs ?? 20_000) },
      );
      const last = (await replay(target, `${id}-final`, shortest, marginMs, kind)) ?? violation;
      report.findings.push({
        target: target.name,
        seed: options.seed,
        sequence,
        length: options.length,
        violation: last,
        shortest: shortest.slice(0, last.index + 1),
      });
    }
  }
  report.durationMs = Date.now() - started;
  return report;
}

/** A finding as text: the seed to replay with, the violation, and the numbered shortest sequence. */
export function formatFinding(finding: FuzzFinding): string {
  const lines = finding.shortest.map(
    (operation, i) => `  ${i + 1}. ${describeOperation(operation)}`,
  );
  return [
    `${finding.target}: ${finding.violation.kind} — ${finding.violation.message}`,
    `  seed ${finding.seed}, sequence ${finding.sequence} of ${finding.length} operations (replay: RELIABILITY_SEED=${finding.seed}); shortest failing sequence (${lines.length} operations):`,
    ...lines,
  ].join('\n');
}
