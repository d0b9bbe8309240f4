import { assertKnownOptions } from '@cachestack/core';
import type { ConformanceFaults, ConformanceOptions, ModelCheckSettings } from './options.js';

/** Default size of the large-value round trip, in bytes (4 MiB). */
export const DEFAULT_LARGE_VALUE_BYTES = 4 * 1024 * 1024;

/** Default extra slack for timing assertions, in ms. */
export const DEFAULT_TIMING_SLACK_MS = 50;

/** Default bound, in ms, within which an operation must fail while the store is unavailable. */
export const DEFAULT_FAULT_BOUND_MS = 5_000;

/** {@link ConformanceOptions} with every default filled in. */
export interface ResolvedConformanceOptions extends ConformanceOptions {
  /** Whether two instances on one namespace share a store. */
  readonly sharedStore: boolean;
  /** Size of the large-value round trip, in bytes. */
  readonly largeValueBytes: number;
  /** Extra slack for timing assertions, in ms. */
  readonly timingSlackMs: number;
  /** Fault hooks (an empty object when none were given). */
  readonly faults: ConformanceFaults;
  /** Bound in ms for failing or recovering under a fault. */
  readonly faultBoundMs: number;
  /** Model-check settings with defaults. */
  readonly modelCheck: Required<ModelCheckSettings>;
}

/** Default seed of the model check. */
export const DEFAULT_MODEL_CHECK_SEED = 20_261_203;

/** Every option name of {@link ConformanceOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  create: true,
  capabilities: true,
  sharedStore: true,
  maxValueBytes: true,
  largeValueBytes: true,
  timingSlackMs: true,
  faults: true,
  groups: true,
  cleanup: true,
  modelCheck: true,
  tracingChannel: true,
} satisfies Record<keyof ConformanceOptions, true>);

/** Every option name of {@link ConformanceFaults} (the compiler checks the list is complete). */
const FAULT_NAMES = Object.keys({
  makeUnavailable: true,
  makeAvailable: true,
  unavailableErrorType: true,
  createWithBadCredentials: true,
  slowDown: true,
  restoreSpeed: true,
  boundMs: true,
} satisfies Record<keyof ConformanceFaults, true>);

/** Every option name of {@link ModelCheckSettings} (the compiler checks the list is complete). */
const MODEL_CHECK_NAMES = Object.keys({
  seed: true,
  sequences: true,
  length: true,
} satisfies Record<keyof ModelCheckSettings, true>);

function wholeNumber(value: unknown, option: string, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `must be a whole number ${min} – ${max}, got ${String(value)}`);
  }
}

function fail(option: string, detail: string): never {
  throw new TypeError(`describeBackendConformance: option "${option}" ${detail}`);
}

function positive(value: unknown, option: string, allowZero = false): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    fail(option, `must be a finite number${allowZero ? ' >= 0' : ' > 0'}, got ${String(value)}`);
  }
}

const KNOWN_CAPABILITIES = new Set(['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys']);

/**
 * Validates `options` and fills in defaults. Throws a `TypeError` naming the
 * offending option, so a misconfigured suite fails at registration.
 */
export function resolveOptions(
  options: ConformanceOptions,
  knownGroups: ReadonlySet<string> = new Set(),
): ResolvedConformanceOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  assertKnownOptions(options, OPTION_NAMES, 'describeBackendConformance');
  if (
    options.faults !== undefined &&
    (typeof options.faults !== 'object' || options.faults === null)
  ) {
    fail('faults', 'must be an object of fault hooks');
  }
  assertKnownOptions(options.faults, FAULT_NAMES, 'describeBackendConformance faults');
  if (typeof options.create !== 'function')
    fail('create', 'must be a function returning a backend');
  if (!Array.isArray(options.capabilities)) {
    fail('capabilities', 'must be an array of capability names (use [] for none)');
  }
  for (const capability of options.capabilities) {
    if (!KNOWN_CAPABILITIES.has(capability)) {
      fail(
        'capabilities',
        `has unknown capability ${JSON.stringify(capability)}; known: ${[...KNOWN_CAPABILITIES].join(', ')}`,
      );
    }
  }
  positive(options.maxValueBytes, 'maxValueBytes');
  positive(options.largeValueBytes, 'largeValueBytes');
  positive(options.timingSlackMs, 'timingSlackMs', true);
  positive(options.faults?.boundMs, 'faults.boundMs');
  if (
    options.groups !== undefined &&
    (!Array.isArray(options.groups) || options.groups.some((group) => !knownGroups.has(group)))
  ) {
    fail('groups', `must be an array of group names: ${[...knownGroups].join(', ')}`);
  }
  if (options.cleanup !== undefined && typeof options.cleanup !== 'function') {
    fail('cleanup', 'must be a function');
  }
  if (
    options.tracingChannel !== undefined &&
    (typeof options.tracingChannel !== 'string' ||
      !options.tracingChannel.startsWith('cachestack:'))
  ) {
    fail(
      'tracingChannel',
      `must be a cachestack tracing channel name, got ${String(options.tracingChannel)}`,
    );
  }
  if (
    options.modelCheck !== undefined &&
    (typeof options.modelCheck !== 'object' || options.modelCheck === null)
  ) {
    fail('modelCheck', 'must be an object { seed?, sequences?, length? }');
  }
  assertKnownOptions(
    options.modelCheck,
    MODEL_CHECK_NAMES,
    'describeBackendConformance modelCheck',
  );
  wholeNumber(options.modelCheck?.seed, 'modelCheck.seed', 0, 0xffff_ffff);
  wholeNumber(options.modelCheck?.sequences, 'modelCheck.sequences', 1, 10_000);
  wholeNumber(options.modelCheck?.length, 'modelCheck.length', 1, 1_000_000);
  const maxValueBytes = options.maxValueBytes;
  const largeValueBytes =
    options.largeValueBytes ??
    Math.min(DEFAULT_LARGE_VALUE_BYTES, maxValueBytes ?? Number.POSITIVE_INFINITY);
  return {
    ...options,
    sharedStore: options.sharedStore ?? true,
    largeValueBytes,
    timingSlackMs: options.timingSlackMs ?? DEFAULT_TIMING_SLACK_MS,
    faults: options.faults ?? {},
    faultBoundMs: options.faults?.boundMs ?? DEFAULT_FAULT_BOUND_MS,
    modelCheck: {
      seed: options.modelCheck?.seed ?? DEFAULT_MODEL_CHECK_SEED,
      sequences: options.modelCheck?.sequences ?? 3,
      length: options.modelCheck?.length ?? 300,
    },
  };
}
