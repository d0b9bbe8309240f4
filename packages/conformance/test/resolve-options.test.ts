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
