import { describe, expect, it } from 'vitest';

// Imports the built package, as adapters do through node_modules, to prove the
// published entry point resolves and exposes the API (turbo builds before test).
describe('the built entry point', () => {
  it('exports the API from dist/index.js', async () => {
    const kit = await import('../dist/index.js');
    expect(typeof kit.describeBackendConformance).toBe('function');
    expect(typeof kit.expectBackendError).toBe('function');
    expect(kit.conformanceGroups.length).toBeGreaterThan(10);
    expect(kit.conformanceCaseCount).toBeGreaterThanOrEqual(100);
    expect(typeof kit.describeCacheConformance).toBe('function');
    expect(typeof kit.describeInvalidationBusConformance).toBe('function');
    expect(typeof kit.describeByteWrapperConformance).toBe('function');
    expect(Object.keys(kit.defaultSerializerGolden).length).toBeGreaterThan(20);
  });
});
