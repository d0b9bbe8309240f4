import {
  assertKnownOptions,
  type BaseBackend,
  isBatch,
  isClearable,
  isKeyIterable,
  isLockable,
  isTimeoutConfigurable,
  isTtlInspectable,
} from '@cachestack/core';
import { createFuzzInputs } from '../fuzz/fuzz-inputs.js';
import {
  describeOperation,
  generateSequence,
  type ModelCapabilities,
  type Operation,
} from './operations.js';
import { runSequence } from './run-sequence.js';
import { shrink } from './shrink.js';
import type { Violation, ViolationKind } from './violations.js';

/** A fresh, empty backend for one model-checked sequence, and how to dispose of it. */
export interface ModelCheckInstance {
  /** The backend the sequence runs on; it must start empty. */
  backend: BaseBackend;
  /**
   * A second handle on the same store (another instance on the same
   * namespace, as a second process would open it): about a third of the calls
   * go to it, and what one writes the other must read. Absent for stores
   * private to one instance.
   */
  peer?: BaseBackend | undefined;
  /** Closes the instances and removes what they created. */
  dispose(): Promise<void>;
}

/** A backend configuration under model checking. */
export interface ModelCheckTarget {
  /** Name in reports, e.g. `sqlite`. */
  name: string;
  /** A fresh, empty instance; `id` is unique per call within a run. */
  create(id: string): Promise<ModelCheckInstance>;
  /**
   * The capabilities to exercise.
   * @default what the backend offers, from core's type guards ({@link capabilitiesOf})
   */
  capabilities?: ModelCapabilities | undefined;
}

/** Options of {@link modelCheck}. */
export interface ModelCheckOptions {
  /** Run seed; sequence `i` runs on `sequenceSeed(seed, i)`, so the same seed replays the same calls. */
  seed: number;
  /** Sequences to run, each on a fresh, empty instance. */
  sequences: number;
  /** Operations per sequence. */
  length: number;
  /** The backend's largest value in bytes; larger values are expected to be rejected `VALUE_TOO_LARGE`. @default no limit (values up to 64 KiB are generated) */
  maxValueBytes?: number | undefined;
  /** Time allowed for shrinking each finding, in ms. @default 20000 */
  shrinkBudgetMs?: number | undefined;
  /** Clock slack around every expiry, in ms: an entry is only certainly live (or gone) outside it. @default 40 */
  marginMs?: number | undefined;
  /** A call that takes longer is a `hang` violation, in ms. @default 15000 */
  callTimeoutMs?: number | undefined;
}

/** The first violation of one kind, with the shortest sequence that still shows it. */
export interface ModelCheckFinding {
  /** The target's name. */
  target: string;
  /** The run seed to replay with. */
  seed: number;
  /** Index (0-based) of the sequence in the run of `seed`. */
  sequence: number;
  /** Operations per sequence in that run. */
  length: number;
  /** The violation, as seen on the shortest sequence. */
  violation: Violation;
  /** The shrunk sequence; its last operation is the failing one. */
  shortest: Operation[];
}

/** What {@link modelCheck} found on one target. */
export interface ModelCheckReport {
  target: string;
  seed: number;
  sequences: number;
  /** Calls made (verification reads included). */
  calls: number;
  /** Invalid calls rejected with the expected code. */
  rejectedInvalid: number;
  /** Valid calls that rejected with a `TIMEOUT`: inconclusive (see `SequenceStats.timedOut`). */
  timedOut: number;
  /** Every violation, by kind. */
  violations: Partial<Record<ViolationKind, number>>;
  /** The first finding of each violation kind, shrunk; empty when the backend held up. */
  findings: ModelCheckFinding[];
  /** Wall time of the run, in ms. */
  durationMs: number;
}

/** Largest value generated when the backend has no limit, in bytes. */
const UNLIMITED_VALUE_BYTES = 64 * 1024;

/** What `backend` offers, from core's capability guards. */
export function capabilitiesOf(backend: BaseBackend): ModelCapabilities {
  return {
    ttl: isTtlInspectable(backend),
    batch: isBatch(backend),
    keys: isKeyIterable(backend),
    clear: isClearable(backend),
    lock: isLockable(backend),
    timeout: isTimeoutConfigurable(backend),
  };
}

/** The seed of sequence `index` of a run seeded with `seed` (a cheap 32-bit mix). */
export function sequenceSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/** Runs `operations` on a fresh instance; the first violation of `kind`, if any. */
async function replay(
  target: ModelCheckTarget,
  id: string,
  operations: readonly Operation[],
  options: ModelCheckOptions,
  kind: ViolationKind,
): Promise<Violation | undefined> {
  const instance = await target.create(id);
  try {
    const result = await runSequence(instance, operations, {
      marginMs: options.marginMs,
      callTimeoutMs: options.callTimeoutMs,
      stopAtFirst: false,
    });
    return result.firstByKind.get(kind);
  } finally {
    await instance.dispose();
  }
}

/** Every option name of {@link ModelCheckOptions} (the compiler checks the list is complete). */
const MODEL_CHECK_OPTION_NAMES = Object.keys({
  seed: true,
  sequences: true,
  length: true,
  maxValueBytes: true,
  shrinkBudgetMs: true,
  marginMs: true,
  callTimeoutMs: true,
} satisfies Record<keyof ModelCheckOptions, true>);

/**
 * The seeded model check: `sequences` random sequences of every operation the
 * target offers (get/set/delete/exists, getTtl/refreshTtl, batch, clear, keys,
 * locks, withTimeout, healthCheck), with random valid and invalid keys,
 * values and TTLs, each run on a fresh instance and checked call by call
 * against a reference model (expiry within `marginMs`); with a peer handle,
 * a third of the calls go through it. The first violation of each kind is
 * shrunk to the shortest sequence that still fails the same way.
 * @throws TypeError (as a rejection) for an unknown option key, naming the closest known one.
 */
export async function modelCheck(
  target: ModelCheckTarget,
  options: ModelCheckOptions,
): Promise<ModelCheckReport> {
  assertKnownOptions(options, MODEL_CHECK_OPTION_NAMES, 'modelCheck');
  const started = Date.now();
  const maxValueBytes = options.maxValueBytes ?? Number.POSITIVE_INFINITY;
  const report: ModelCheckReport = {
    target: target.name,
    seed: options.seed,
    sequences: options.sequences,
    calls: 0,
    rejectedInvalid: 0,
    timedOut: 0,
    violations: {},
    findings: [],
    durationMs: 0,
  };
  for (let sequence = 0; sequence < options.sequences; sequence++) {
    const inputs = createFuzzInputs(sequenceSeed(options.seed, sequence), {
      largeValueBytes: Math.min(maxValueBytes + 1, UNLIMITED_VALUE_BYTES),
    });
    const id = `${options.seed}-${sequence}-${process.pid}`;
    const instance = await target.create(id);
    let operations: Operation[];
    let result: Awaited<ReturnType<typeof runSequence>>;
    try {
      const capabilities = target.capabilities ?? capabilitiesOf(instance.backend);
      operations = generateSequence(
        inputs,
        options.length,
        capabilities,
        maxValueBytes,
        instance.peer !== undefined,
      );
      result = await runSequence(instance, operations, {
        marginMs: options.marginMs,
        callTimeoutMs: options.callTimeoutMs,
        stopAtFirst: false,
      });
    } finally {
      await instance.dispose();
    }
    report.calls += result.stats.calls;
    report.rejectedInvalid += result.stats.rejectedInvalid;
    report.timedOut += result.stats.timedOut;
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
          (await replay(target, `${id}-s${attempt++}`, candidate, options, kind)) !== undefined,
        { deadline: Date.now() + (options.shrinkBudgetMs ?? 20_000) },
      );
      const last = (await replay(target, `${id}-final`, shortest, options, kind)) ?? violation;
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

/**
 * A finding as text: the seed to replay with, the violation, and the
 * numbered shortest sequence. `replayHint` (e.g. `MY_SEED=7`) is printed
 * after the seed when given.
 */
export function formatModelCheckFinding(finding: ModelCheckFinding, replayHint?: string): string {
  const lines = finding.shortest.map(
    (operation, i) => `  ${i + 1}. ${describeOperation(operation)}`,
  );
  const replay = replayHint === undefined ? '' : ` (replay: ${replayHint})`;
  return [
    `${finding.target}: ${finding.violation.kind} — ${finding.violation.message}`,
    `  seed ${finding.seed}, sequence ${finding.sequence} of ${finding.length} operations${replay}; shortest failing sequence (${lines.length} operations):`,
    ...lines,
  ].join('\n');
}
