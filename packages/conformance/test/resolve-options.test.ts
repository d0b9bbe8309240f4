import { describe, expect, it } from 'vitest';
import { conformanceGroups } from '../src/index.js';
import type { ConformanceOptions } from '../src/options.js';
import { resolveOptions } from '../src/resolve-options.js';

const groupNames = new Set(conformanceGroups.map((group) => group.name));
const valid: ConformanceOptions = {
  create: () => {
    throw new Error('not called');
  },
  capabilities: ['ttl'],
};

function resolve(options: unknown) {
  return resolveOptions(options as ConformanceOptions, groupNames);
}

describe('resolveOptions', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolve(valid);
    expect(resolved.sharedStore).toBe(true);
    expect(resolved.timingSlackMs).toBe(50);
    expect(resolved.largeValueBytes).toBe(4 * 1024 * 1024);
    expect(resolved.faultBoundMs).toBe(5_000);
    expect(resolved.faults).toEqual({});
  });

  it('fills in the model-check defaults and names a bad modelCheck option', () => {
    expect(resolve(valid).modelCheck).toEqual({ seed: 20_261_203, sequences: 3, length: 300 });
    expect(resolve({ ...valid, modelCheck: { seed: 7 } }).modelCheck.seed).toBe(7);
    expect(() => resolve({ ...valid, modelCheck: 5 })).toThrow(/option "modelCheck"/);
    expect(() => resolve({ ...valid, modelCheck: { seed: -1 } })).toThrow(
      /option "modelCheck.seed"/,
    );
    expect(() => resolve({ ...valid, modelCheck: { sequences: 0 } })).toThrow(
      /option "modelCheck.sequences"/,
    );
    expect(() => resolve({ ...valid, modelCheck: { length: 1.5 } })).toThrow(
      /option "modelCheck.length"/,
    );
  });

  it('caps the large value at maxValueBytes', () => {
    expect(resolve({ ...valid, maxValueBytes: 1024 }).largeValueBytes).toBe(1024);
  });

  it.each([
    ['create', { ...valid, create: 'nope' }],
    ['capabilities', { ...valid, capabilities: 'ttl' }],
    ['capabilities', { ...valid, capabilities: ['ttl', 'teleport'] }],
    ['maxValueBytes', { ...valid, maxValueBytes: -1 }],
    ['largeValueBytes', { ...valid, largeValueBytes: Number.NaN }],
    ['timingSlackMs', { ...valid, timingSlackMs: -5 }],
    ['faults.boundMs', { ...valid, faults: { boundMs: 0 } }],
    ['groups', { ...valid, groups: ['no such group'] }],
    ['cleanup', { ...valid, cleanup: 42 }],
  ])('rejects a bad %s with a TypeError naming it', (option, options) => {
    expect(() => resolve(options)).toThrow(TypeError);
    expect(() => resolve(options)).toThrow(`option "${option}"`);
  });
});
