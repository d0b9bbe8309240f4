import type { BaseBackend } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { resolveBusOptions } from '../src/bus/bus-options.js';
import { resolveCacheOptions } from '../src/facade/facade-options.js';
import { firstDifference } from '../src/index.js';
import { registerSuite } from '../src/suite/suite.js';
import { resolveWrapperOptions } from '../src/wrapper/wrapper-options.js';

const facade = { get: async () => undefined, set: async () => {}, delete: async () => false };

describe('options of the layer kits', () => {
  it('describeCacheConformance: a TypeError naming the option', () => {
    const create = () => facade;
    expect(() => resolveCacheOptions({ create, features: ['getorset' as 'getOrSet'] })).toThrow(
      /option "features"/,
    );
    expect(() =>
      resolveCacheOptions({ create, features: [], unsupportedValues: ['int16'] }),
    ).toThrow(/unknown vector "int16"/);
    expect(() => resolveCacheOptions({ create, features: [], maxDepth: 1 })).toThrow(
      /option "maxDepth"/,
    );
    expect(() => resolveCacheOptions({ create, features: [], goldenn: {} } as never)).toThrow(
      /did you mean "golden"/,
    );
    expect(() => resolveCacheOptions({ features: [] } as never)).toThrow(/option "create"/);
  });

  it('describeInvalidationBusConformance: a TypeError naming the option', () => {
    const createBus = () => ({
      publish: async () => {},
      subscribe: async () => async () => {},
      close: async () => {},
    });
    expect(() => resolveBusOptions({ createBus, deliveryMs: 0 })).toThrow(/option "deliveryMs"/);
    expect(() => resolveBusOptions({ createBus, reconnect: 5 } as never)).toThrow(
      /option "reconnect"/,
    );
    expect(resolveBusOptions({ createBus }).deliveryMs).toBe(1_000);
  });

  it('describeByteWrapperConformance: a TypeError naming the option', () => {
    const base = { createStore: () => ({}) as BaseBackend, wrap: (store: BaseBackend) => store };
    expect(() => resolveWrapperOptions({ ...base, kind: 'zip' as 'other' })).toThrow(
      /option "kind"/,
    );
    expect(() => resolveWrapperOptions({ ...base, kind: 'other', thresholdBytes: -1 })).toThrow(
      /option "thresholdBytes"/,
    );
    expect(resolveWrapperOptions({ ...base, kind: 'other' }).thresholdBytes).toBe(1024);
  });

  it('knownFailures naming a case that does not exist is a TypeError (a typo would hide nothing)', () => {
    expect(() =>
      registerSuite('suite', {
        options: {},
        groups: [
          { name: 'g', description: 'd', cases: [{ name: 'c', why: 'w', run: async () => {} }] },
        ],
        harness: () => ({ dispose: async () => {} }),
        knownFailures: { 'g › missing': 'typo' },
      }),
    ).toThrow(/unknown case "g › missing"/);
  });
});

describe('firstDifference', () => {
  it('tells apart what a loose deep-equal would not', () => {
    expect(firstDifference(-0, 0)).toContain('expected');
    expect(firstDifference(Number.NaN, Number.NaN)).toBeUndefined();
    expect(firstDifference(Buffer.from([1]), new Uint8Array([1]))).toContain('Buffer');
    const holes = [1, 2, 3];
    delete holes[1];
    expect(firstDifference(holes, [1, undefined, 3])).toContain('hole');
    expect(firstDifference({ a: undefined }, {})).toContain('own keys');
    expect(firstDifference(new Int16Array([1]), [1])).toContain('Int16Array');
    expect(firstDifference(new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]]))).toBeUndefined();
    expect(firstDifference(new Date(Number.NaN), new Date(Number.NaN))).toBeUndefined();
  });
});
