import { describe, expect, it } from 'vitest';
import * as kit from '../src/index.js';
import { conformanceCaseCount, conformanceGroups } from '../src/index.js';

describe('conformanceGroups', () => {
  it('lists every group with unique names and unique case names inside each group', () => {
    const names = conformanceGroups.map((group) => group.name);
    expect(new Set(names).size, 'group names must be unique').toBe(names.length);
    for (const group of conformanceGroups) {
      expect(group.cases.length, `${group.name} must have cases`).toBeGreaterThan(0);
      expect(new Set(group.cases).size, `case names in ${group.name} must be unique`).toBe(
        group.cases.length,
      );
    }
  });

  it('counts the cases', () => {
    const total = conformanceGroups.reduce((sum, group) => sum + group.cases.length, 0);
    expect(conformanceCaseCount).toBe(total);
    expect(total, 'the suite must cover sections A-J').toBeGreaterThanOrEqual(100);
  });

  it('has one group per capability, each starting with the "implements" case', () => {
    const capabilities = conformanceGroups.flatMap((group) =>
      group.capability ? [group.capability] : [],
    );
    expect([...capabilities].sort()).toEqual(['batch', 'clear', 'keys', 'lock', 'timeout', 'ttl']);
    for (const group of conformanceGroups) {
      if (group.capability === undefined) continue;
      expect(group.cases[0], `${group.name} must first check that the capability exists`).toContain(
        `implements the claimed '${group.capability}' capability`,
      );
    }
  });
});

describe('the case catalogue', () => {
  it('states why every case exists', () => {
    for (const group of conformanceGroups) {
      for (const name of group.cases) {
        expect(group.why[name]?.length ?? 0, `${group.name} › ${name} needs a why`).toBeGreaterThan(
          20,
        );
      }
    }
  });
});

describe('the layer kits catalogue', () => {
  it('states why every case exists, with unique names per group', () => {
    for (const groups of [
      kit.cacheConformanceGroups,
      kit.invalidationBusConformanceGroups,
      kit.byteWrapperConformanceGroups,
    ]) {
      for (const group of groups) {
        expect(new Set(group.cases).size, `case names in ${group.name} must be unique`).toBe(
          group.cases.length,
        );
        for (const name of group.cases) {
          expect(
            group.why[name]?.length ?? 0,
            `${group.name} › ${name} needs a why`,
          ).toBeGreaterThan(20);
        }
      }
    }
  });
});
