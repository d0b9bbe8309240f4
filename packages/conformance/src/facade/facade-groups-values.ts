import { isBackendError } from '@cachestack/core';
import {
  check,
  describeError,
  expectBackendError,
  expectResolves,
  violation,
} from '../assertions.js';
import type { SuiteCase, SuiteGroup } from '../suite/suite.js';
import type { FacadeHarness, ResolvedCacheConformanceOptions } from './facade-options.js';
import { firstDifference } from './same-value.js';
import { nestedValue, VALUE_VECTORS, type ValueVector } from './value-vectors.js';

type FacadeCase = SuiteCase<FacadeHarness, ResolvedCacheConformanceOptions>;
type FacadeGroup = SuiteGroup<FacadeHarness, ResolvedCacheConformanceOptions>;

/** Depth that must round-trip when no limit is documented. */
const ANY_DEPTH_CHECKED = 1_000;
/** Depth that must round-trip or be rejected cleanly when no limit is documented. */
const ABSURD_DEPTH = 100_000;

async function roundTrip(
  harness: FacadeHarness,
  key: string,
  value: unknown,
  rule: string,
): Promise<unknown> {
  const facade = await harness.create();
  await expectResolves(facade.set(key, value), rule);
  const other = await harness.create();
  return expectResolves(other.get(key), rule);
}

function vectorCase(vector: ValueVector): FacadeCase {
  const rule = `${vector.description} round-trips exactly through set and get`;
  return {
    name: rule,
    why: `catches serializers that change the value on the way (${vector.name}): a value read back must be the value written, of the same kind`,
    skip: (options) =>
      options.unsupportedValues.includes(vector.name) ? 'declared in unsupportedValues' : undefined,
    run: async (harness) => {
      const read = await roundTrip(harness, `v:${vector.name}`, vector.make(), rule);
      const difference = firstDifference(vector.make(), read);
      if (difference !== undefined) violation(rule, difference);
    },
  };
}

const unsupportedRejected: FacadeCase = {
  name: 'values declared unsupported are rejected with INVALID_VALUE and nothing is stored',
  why: 'catches facades that document a type as unsupported yet store something else (an Int16Array as a plain object), so a later read returns a different value',
  skip: (options) =>
    options.unsupportedValues.length === 0 ? 'no unsupportedValues declared' : undefined,
  run: async (harness) => {
    const facade = await harness.create();
    for (const name of harness.options.unsupportedValues) {
      const vector = VALUE_VECTORS.find((entry) => entry.name === name);
      if (vector === undefined) continue;
      const rule = `an unsupported value (${vector.description}) must be rejected with INVALID_VALUE`;
      await expectResolves(facade.set(`u:${name}`, 'before'), rule);
      await expectBackendError(
        () => facade.set(`u:${name}`, vector.make()),
        { type: 'PERMANENT', code: 'INVALID_VALUE' },
        rule,
      );
      const after = await facade.get(`u:${name}`);
      check(after === 'before', rule, `the entry changed to ${String(after)} after a rejected set`);
    }
  },
};

const depthWithin: FacadeCase = {
  name: 'values nested up to the depth limit round-trip',
  why: 'catches serializers whose recursion fails below the documented depth (or below 1,000 levels when any depth is claimed)',
  run: async (harness) => {
    const depth = harness.options.maxDepth ?? ANY_DEPTH_CHECKED;
    const rule = `a value nested ${depth} levels deep must round-trip`;
    const read = await roundTrip(harness, 'deep', nestedValue(depth), rule);
    const difference = firstDifference(nestedValue(depth), read);
    if (difference !== undefined) violation(rule, difference.slice(0, 300));
  },
};

const depthBeyond: FacadeCase = {
  name: 'a value nested beyond the depth limit is rejected with INVALID_VALUE (never a raw error)',
  why: 'catches facades that let a stack overflow (RangeError) escape, crash, or store a truncated value when a value is nested too deep',
  run: async (harness) => {
    const limit = harness.options.maxDepth;
    const depth = limit === undefined ? ABSURD_DEPTH : limit + 1;
    const rule = `a value nested ${depth} levels deep must be rejected with INVALID_VALUE`;
    const facade = await harness.create();
    await expectResolves(facade.set('deep', 'before'), rule);
    let rejected: unknown;
    try {
      await facade.set('deep', nestedValue(depth));
    } catch (error) {
      rejected = error;
    }
    if (rejected === undefined) {
      if (limit !== undefined)
        violation(rule, `set resolved although ${depth} is over maxDepth ${limit}`);
      const read = await facade.get('deep');
      const difference = firstDifference(nestedValue(depth), read);
      if (difference !== undefined)
        violation(
          rule,
          `set resolved but the value read back differs: ${difference.slice(0, 200)}`,
        );
      return;
    }
    if (
      !isBackendError(rejected) ||
      rejected.code !== 'INVALID_VALUE' ||
      rejected.type !== 'PERMANENT'
    ) {
      violation(
        rule,
        `expected a PERMANENT INVALID_VALUE BackendError, got ${describeError(rejected)}`,
      );
    }
    check(
      (await facade.get('deep')) === 'before',
      rule,
      'the old entry changed after a rejected set',
    );
  },
};

/** Every vector through set and get, unsupported vectors, the depth limit. */
export const facadeValuesGroup: FacadeGroup = {
  name: 'values',
  description:
    'every value vector round-trips exactly through two facades on one store; unsupported values and values nested too deep are rejected with INVALID_VALUE',
  cases: [...VALUE_VECTORS.map(vectorCase), unsupportedRejected, depthWithin, depthBeyond],
};

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function supportedVectors(options: ResolvedCacheConformanceOptions): ValueVector[] {
  return VALUE_VECTORS.filter((vector) => !options.unsupportedValues.includes(vector.name));
}

const goldenEncode: FacadeCase = {
  name: 'encoding every vector that has a golden encoding gives exactly those bytes',
  why: 'catches a serializer change that still round-trips in one version but writes other bytes, so entries written by the previous version (or read by the next) are misread or dropped',
  run: async (harness) => {
    const { serializer, golden = {} } = harness.options;
    if (serializer === undefined) return;
    const rule = 'encodings must be byte-identical across versions (golden fixtures)';
    const problems: string[] = [];
    for (const vector of supportedVectors(harness.options)) {
      const expected = golden[vector.name];
      if (expected === undefined) continue;
      const actual = hex(serializer.serialize(vector.make()));
      if (actual !== expected)
        problems.push(
          `${vector.name}: expected ${expected.slice(0, 64)}, got ${actual.slice(0, 64)}`,
        );
    }
    if (problems.length > 0) violation(rule, problems.join('; '));
  },
};

const goldenDecode: FacadeCase = {
  name: 'decoding every golden encoding gives its vector',
  why: 'catches a reader that no longer understands bytes written by an earlier version (a changed tag byte, a changed escape)',
  run: async (harness) => {
    const { serializer, golden = {} } = harness.options;
    if (serializer === undefined) return;
    const rule = 'golden encodings must decode to their vectors';
    for (const vector of supportedVectors(harness.options)) {
      const encoded = golden[vector.name];
      if (encoded === undefined) continue;
      let decoded: unknown;
      try {
        decoded = serializer.deserialize(new Uint8Array(Buffer.from(encoded, 'hex')));
      } catch (error) {
        violation(rule, `${vector.name}: deserialize threw ${describeError(error)}`);
      }
      const difference = firstDifference(vector.make(), decoded);
      if (difference !== undefined) violation(rule, `${vector.name}: ${difference}`);
    }
  },
};

/** Encodings pinned by golden fixtures, both directions. */
export const facadeGoldenGroup: FacadeGroup = {
  name: 'golden encodings',
  description:
    'the serializer writes the committed golden bytes for every vector and reads them back (byte-identical across versions)',
  skip: (options) =>
    options.serializer === undefined || options.golden === undefined
      ? 'needs serializer and golden'
      : undefined,
  cases: [goldenEncode, goldenDecode],
};
