import { type BaseBackend, type CapabilityName, isBackendError } from '@cachestack/core';
import { describeError, describeValue } from '../assertions.js';
import {
  claimedOperations,
  classifyOutcome,
  planCall,
  type Settled,
  settle,
} from './fuzz-calls.js';
import { createFuzzInputs } from './fuzz-inputs.js';
import { FuzzModel } from './fuzz-model.js';
import { sweepCalls } from './fuzz-sweep.js';

/** Values of `maxValueBytes + 1` are generated only up to this limit, in bytes. */
const OVERSIZE_LIMIT_BYTES = 8 * 1024 * 1024;

/** Options of {@link fuzzBackend}. */
export interface FuzzOptions {
  /** Seed of the input sequence; the same seed replays the same calls. */
  seed: number;
  /** How many random calls to make (after the sweep). */
  calls: number;
  /**
   * First try every invalid input of the catalogue once on every claimed
   * method that takes it (a few hundred calls), whatever the seed.
   * @default true
   */
  sweep?: boolean | undefined;
  /** The capabilities the backend claims; their methods are called too. */
  capabilities: readonly CapabilityName[];
  /** The backend's largest value, in bytes; larger values are expected to be rejected. */
  maxValueBytes?: number | undefined;
  /**
   * Largest value generated, in bytes.
   * @default 1 MiB, or `maxValueBytes + 1` when smaller
   */
  largeValueBytes?: number | undefined;
  /**
   * How long one call may take before the run stops with a "hung" issue, in ms.
   * @default 10000
   */
  callBoundMs?: number | undefined;
}

/** One broken rule found by {@link fuzzBackend}. */
export interface FuzzIssue {
  /** The 0-based index of the call in the run. */
  call: number;
  /** The method called. */
  operation: string;
  /** The rule it broke, e.g. `a rejection must be a classified BackendError`. */
  problem: string;
  /** The arguments, described. */
  input: string;
  /** What came back, described. */
  outcome: string;
}

/** What {@link fuzzBackend} found. */
export interface FuzzReport {
  /** The seed the run used. */
  seed: number;
  /** Calls made: the sweep's and the random ones. */
  calls: number;
  /** Calls that resolved. */
  resolved: number;
  /** Calls that rejected, by `type/code` (`raw <name>` for a non-BackendError). */
  rejections: Record<string, number>;
  /** Every broken rule, in call order; empty when the backend held up. */
  issues: FuzzIssue[];
}

function show(value: unknown): string {
  try {
    return describeValue(value);
  } catch {
    return typeof value;
  }
}

function rejectionLabel(error: unknown): string {
  if (isBackendError(error)) return `${error.type}/${error.code}`;
  return `raw ${error instanceof Error ? error.name : typeof error}`;
}

function withBound(promise: Promise<Settled>, ms: number): Promise<Settled | 'hung'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
    timer.unref?.();
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/**
 * Calls `backend` `options.calls` times with seeded random arguments (see
 * {@link createFuzzInputs}) and checks every outcome against the contract and
 * a model of what the namespace holds: every rejection is a classified
 * `BackendError` (never `UNKNOWN`, never a raw error, never a synchronous
 * throw); invalid input rejects PERMANENT and changes nothing (the keys it
 * named are read back); valid input resolves with what the model expects.
 * `backend` must start on an empty namespace and see no other writer.
 * Resolves a {@link FuzzReport}; it never throws for a misbehaving backend.
 */
export async function fuzzBackend(backend: BaseBackend, options: FuzzOptions): Promise<FuzzReport> {
  const largeValueBytes = Math.min(
    options.largeValueBytes ?? 1024 * 1024,
    options.maxValueBytes === undefined ? Number.POSITIVE_INFINITY : options.maxValueBytes + 1,
  );
  const max = options.maxValueBytes;
  const oversizeBytes = max !== undefined && max <= OVERSIZE_LIMIT_BYTES ? max + 1 : undefined;
  const inputs = createFuzzInputs(options.seed, { largeValueBytes, oversizeBytes });
  const model = new FuzzModel(backend);
  const report: FuzzReport = {
    seed: options.seed,
    calls: 0,
    resolved: 0,
    rejections: {},
    issues: [],
  };
  const boundMs = options.callBoundMs ?? 10_000;
  const operations = claimedOperations(backend, options);
  const swept = options.sweep === false ? [] : sweepCalls(inputs, operations);
  const total = swept.length + options.calls;
  for (let index = 0; index < total; index++) {
    const forced = swept[index];
    const call = planCall(backend, forced?.inputs ?? inputs, model, {
      ...options,
      operations,
      operation: forced?.operation,
    });
    const issue = (problem: string, outcome: string): void => {
      report.issues.push({
        call: index,
        operation: call.operation,
        problem,
        input: call.args.map(show).join(', '),
        outcome,
      });
    };
    report.calls++;
    const outcome = await withBound(settle(call.run), boundMs);
    if (outcome === 'hung') {
      issue(`a call must settle (it took over ${boundMs} ms); the run stopped here`, 'pending');
      break;
    }
    if (outcome.ok) {
      report.resolved++;
      const problem = classifyOutcome(outcome, call.valid);
      const checked = problem ?? (call.valid ? await call.resolved(outcome.value) : undefined);
      if (checked !== undefined) issue(checked, `resolved ${show(outcome.value)}`);
      if (!call.valid) model.forget(call.touched);
      continue;
    }
    const label = rejectionLabel(outcome.error);
    report.rejections[label] = (report.rejections[label] ?? 0) + 1;
    const problem = classifyOutcome(outcome, call.valid);
    if (problem !== undefined) issue(problem, describeError(outcome.error));
    const changed = await model.findChanged(call.touched);
    if (changed !== undefined) issue('a rejected call must change nothing', changed);
    if (call.valid) model.forget(call.touched);
  }
  return report;
}
