import type { BaseBackend } from '@cachestack/core';
import { ReferenceBackend } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { sharedStoreGroup } from '../src/groups/shared-store.js';
import { ConformanceHarness } from '../src/harness.js';
import {
  conformanceGroups,
  createFuzzInputs,
  fuzzBackend,
  modelCheck,
  runSequence,
} from '../src/index.js';
import type { ConformanceOptions } from '../src/options.js';
import { resolveOptions } from '../src/resolve-options.js';

const groupNames = new Set(conformanceGroups.map((group) => group.name));
const valid: ConformanceOptions = {
  // A store per instance: not shared across instances.
  create: ({ namespace }) => new ReferenceBackend(undefined, namespace),
  capabilities: ['ttl'],
};

function resolve(options: unknown) {
  return resolveOptions(options as ConformanceOptions, groupNames);
}

describe('strict options of the kit', () => {
  it('a misspelt describeBackendConformance option is a TypeError suggesting the known one', () => {
    expect(() => resolve({ ...valid, sharedstore: false })).toThrow(
      new TypeError(
        'describeBackendConformance: unknown option "sharedstore" (did you mean "sharedStore"?)',
      ),
    );
    expect(() => resolve({ ...valid, modelCheck: { sequence: 2 } })).toThrow(
      /describeBackendConformance modelCheck: unknown option "sequence" \(did you mean "sequences"\?\)/,
    );
    expect(() => resolve({ ...valid, faults: { makeUnavailible: async () => {} } })).toThrow(
      /describeBackendConformance faults: unknown option "makeUnavailible" \(did you mean "makeUnavailable"\?\)/,
    );
  });

  it('fuzzBackend and modelCheck reject a misspelt option', async () => {
    const backend: BaseBackend = new ReferenceBackend();
    await expect(
      fuzzBackend(backend, { seed: 1, calls: 1, capabilities: [], maxValueByte: 5 } as never),
    ).rejects.toThrow(
      new TypeError('fuzzBackend: unknown option "maxValueByte" (did you mean "maxValueBytes"?)'),
    );
    await expect(
      modelCheck(
        { name: 'x', create: async () => ({}) as never } as never,
        {
          seed: 1,
          sequences: 1,
          lenght: 5,
        } as never,
      ),
    ).rejects.toThrow(
      new TypeError('modelCheck: unknown option "lenght" (did you mean "length"?)'),
    );
    expect(() => createFuzzInputs(1, { largeValueByte: 5 } as never)).toThrow(
      /createFuzzInputs: unknown option "largeValueByte"/,
    );
    await expect(runSequence({ backend }, [], { marginMS: 5 } as never)).rejects.toThrow(
      /runSequence: unknown option "marginMS"/,
    );
  });

  it('a failing shared-store case suggests sharedStore: false', async () => {
    const [first] = sharedStoreGroup.cases;
    const harness = new ConformanceHarness(resolve(valid));
    try {
      const error = await first?.run(harness).then(
        () => undefined,
        (failure: unknown) => failure as Error,
      );
      expect(error?.message).toContain('sharedStore: false');
    } finally {
      await harness.dispose();
    }
  });
});
