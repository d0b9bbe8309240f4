import {
  assertKnownOptions,
  type BaseBackend,
  type CapabilityName,
  hasCapability,
} from '@cachestack/core';
import {
  buildOperation,
  generateSequence,
  type ModelCapabilities,
  type OperationKind,
  showArgument,
} from '../model/operations.js';
import { runSequence } from '../model/run-sequence.js';
import type { ViolationKind } from '../model/violations.js';
import { createFuzzInputs } from './fuzz-inputs.js';
import { sweepCalls } from './fuzz-sweep.js';

// The fuzz is the model check on one handle (src/model/), preceded by a sweep
// of the invalid-input catalogue: one implementation of the calls, the model
// and the checks.

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
   * How long one call may take before it is reported as hung, in ms.
   * @default 10000
   */
  callBoundMs?: number | undefined;
  /**
   * Clock slack around every expiry, in ms (an entry is certainly live or gone only outside it).
   * @default 40
   */
  marginMs?: number | undefined;
}

/** Every option name of {@link FuzzOptions} (the compiler checks the list is complete). */
const FUZZ_OPTION_NAMES = Object.keys({
  seed: true,
  calls: true,
  sweep: true,
  capabilities: true,
  maxValueBytes: true,
  largeValueBytes: true,
  callBoundMs: true,
  marginMs: true,
} satisfies Record<keyof FuzzOptions, true>);

/** One broken rule found by {@link fuzzBackend}. */
export interface FuzzIssue {
  /** The 0-based index of the operation in the run (the sweep's first). */
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
  /** Calls made: the sweep's, the random ones and the read-backs that check them. */
  calls: number;
  /** Calls that resolved. */
  resolved: number;
  /** Calls that rejected, by `type/code` (`raw <name>` for a non-BackendError). */
  rejections: Record<string, number>;
  /** Every broken rule, in call order; empty when the backend held up. */
  issues: FuzzIssue[];
}

/** The rule each kind of violation breaks, as reported in {@link FuzzIssue.problem}. */
const PROBLEMS: Record<ViolationKind, string> = {
  unclassified:
    'a rejection must be a classified BackendError (never a raw error or a synchronous throw)',
  unknown: 'a rejection must not be UNKNOWN',
  'accepted-invalid': 'invalid input must be rejected',
  'wrong-code': 'invalid input must be rejected PERMANENT with its code',
  'changed-on-reject': 'a rejected call must change nothing',
  'unexpected-rejection': 'valid input must resolve',
  'model-mismatch': 'valid input must resolve with what the model expects',
  health: 'healthCheck must report healthy on a working store',
  hang: 'a call must settle',
};

/**
 * Calls `backend` with seeded random arguments (see {@link createFuzzInputs}):
 * first every invalid input of the catalogue once on every claimed method
 * that takes it (unless `sweep: false`), then `options.calls` random
 * operations of the model check. Every outcome is checked against the
 * contract and the model check's reference model: every rejection is a
 * classified `BackendError` (never `UNKNOWN`, never a raw error, never a
 * synchronous throw); invalid input rejects PERMANENT with its code and
 * changes nothing (the keys it named are read back); valid input resolves
 * with what the model expects. `backend` must start on an empty namespace and
 * see no other writer. Resolves a {@link FuzzReport}; it never throws for a
 * misbehaving backend.
 * @throws TypeError (as a rejection) for an unknown option key, naming the closest known one.
 */
export async function fuzzBackend(backend: BaseBackend, options: FuzzOptions): Promise<FuzzReport> {
  assertKnownOptions(options, FUZZ_OPTION_NAMES, 'fuzzBackend');
  const max = options.maxValueBytes;
  const largeValueBytes = Math.min(
    options.largeValueBytes ?? 1024 * 1024,
    max === undefined ? Number.POSITIVE_INFINITY : max + 1,
  );
  const oversizeBytes = max !== undefined && max <= OVERSIZE_LIMIT_BYTES ? max + 1 : undefined;
  const inputs = createFuzzInputs(options.seed, { largeValueBytes, oversizeBytes });
  const claims = (name: CapabilityName): boolean =>
    options.capabilities.includes(name) && hasCapability(backend, name);
  const capabilities: ModelCapabilities = {
    ttl: claims('ttl'),
    batch: claims('batch'),
    keys: claims('keys'),
    clear: claims('clear'),
    lock: claims('lock'),
    timeout: claims('timeout'),
  };
  const named: string[] = ['get', 'set', 'delete', 'exists'];
  if (capabilities.ttl) named.push('getTtl', 'refreshTtl');
  if (capabilities.lock) named.push('acquireLock');
  if (capabilities.batch) named.push('getMany', 'setMany', 'deleteMany');
  if (capabilities.keys) named.push('keys');
  const limit = max ?? Number.POSITIVE_INFINITY;
  const swept =
    options.sweep === false
      ? []
      : sweepCalls(inputs, named).map((call) =>
          buildOperation(call.operation as OperationKind, call.inputs, new Set(), limit, true),
        );
  const operations = [...swept, ...generateSequence(inputs, options.calls, capabilities, limit)];
  const result = await runSequence({ backend }, operations, {
    stopAtFirst: false,
    callTimeoutMs: options.callBoundMs ?? 10_000,
    marginMs: options.marginMs,
  });
  return {
    seed: options.seed,
    calls: result.stats.calls,
    resolved: result.stats.resolved,
    rejections: result.stats.rejections,
    issues: result.all.map((violation) => ({
      call: violation.index,
      operation: violation.operation.kind,
      problem: PROBLEMS[violation.kind],
      input: violation.operation.args.map(showArgument).join(', '),
      outcome: violation.message,
    })),
  };
}
