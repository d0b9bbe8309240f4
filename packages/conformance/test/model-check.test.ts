import { BackendError } from '@cachestack/core';
import { ReferenceBackend, ReferenceStore } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import {
  formatModelCheckFinding,
  fuzzBackend,
  type ModelCheckFinding,
  type ModelCheckOptions,
  type ModelCheckTarget,
  modelCheck,
} from '../src/index.js';
import { PrivateReadCache } from './broken-contract-backends.js';
import { RawErrorForSymbolKey } from './broken-input-backends.js';
import { GetTtlHalved } from './broken-lifetime-backends.js';

type Make = (store: ReferenceStore, namespace: string) => ReferenceBackend;

/** A model-check target over one reference store; each instance gets its own namespace. */
function target(name: string, make: Make, withPeer: boolean): ModelCheckTarget {
  const store = new ReferenceStore({ clock: () => Date.now() });
  return {
    name,
    create: async (id) => {
      const backend = make(store, id);
      const peer = withPeer ? make(store, id) : undefined;
      return {
        backend,
        peer,
        dispose: async () => {
          await Promise.all([backend.close(), peer?.close()]);
        },
      };
    },
  };
}

/** Model-checks `make`'s backends with seed 1, 3 sequences of 300 calls, unless `options` say otherwise. */
function check(name: string, make: Make, withPeer: boolean, options?: Partial<ModelCheckOptions>) {
  return modelCheck(target(name, make, withPeer), {
    seed: 1,
    sequences: 3,
    length: 300,
    ...options,
  });
}

/** Model-checks a broken variant and returns its first model mismatch, failing the test when there is none. */
async function firstMismatch(name: string, make: Make, withPeer: boolean) {
  const report = await check(name, make, withPeer);
  const finding = report.findings.find((f) => f.violation.kind === 'model-mismatch');
  expect(finding, JSON.stringify(report.violations)).toBeDefined();
  return finding as ModelCheckFinding;
}

const reference: Make = (store, namespace) =>
  new ReferenceBackend(store, namespace, { maxValueBytes: 4096 });

describe('modelCheck', () => {
  it('finds nothing wrong with the reference backend, on one handle and on two', async () => {
    for (const withPeer of [false, true]) {
      const report = await check('reference', reference, withPeer, { maxValueBytes: 4096 });
      expect(report.findings.map((finding) => formatModelCheckFinding(finding))).toEqual([]);
      expect(report.calls).toBeGreaterThanOrEqual(3 * 300 * 0.9);
      expect(report.rejectedInvalid).toBeGreaterThan(50);
    }
  }, 60_000);

  it('reports a wrong getTtl with its seed, shrunk to a short sequence', async () => {
    const make: Make = (store, namespace) => new GetTtlHalved(store, namespace);
    const finding = await firstMismatch('getTtl halved', make, false);
    const text = formatModelCheckFinding(finding, 'SEED=1');
    expect(text).toContain('seed 1');
    expect(text).toContain('(replay: SEED=1)');
    expect(text).toContain('getTtl');
    expect(finding.shortest.length, text).toBeLessThanOrEqual(4);
  }, 60_000);

  it('reports a private read cache only when a second handle shares the store', async () => {
    const make: Make = (store, namespace) => new PrivateReadCache(store, namespace);
    const finding = await firstMismatch('private read cache', make, true);
    expect(finding.shortest.some((operation) => operation.onPeer)).toBe(true);
  }, 60_000);
});

/** Every 7th valid get and set rejects with TIMEOUT after it was applied (a late reply under a timeout wrapper). */
class SometimesTimesOut extends ReferenceBackend {
  #calls = 0;
  #timeout(operation: string): void {
    this.#calls++;
    if (this.#calls % 7 === 0)
      throw new BackendError({ type: 'TIMEOUT', code: 'TIMEOUT', message: 'slow', operation });
  }
  override async get(key: string) {
    const value = await super.get(key);
    this.#timeout('get');
    return value;
  }
  override async set(key: string, value: Uint8Array, ttlMs?: number) {
    await super.set(key, value, ttlMs);
    this.#timeout('set');
  }
}

describe('modelCheck and timeouts', () => {
  it('counts a TIMEOUT of a valid call as inconclusive, not as a violation', async () => {
    const make: Make = (store, namespace) =>
      new SometimesTimesOut(store, namespace, { maxValueBytes: 4096 });
    const report = await check('sometimes times out', make, false, {
      sequences: 2,
      maxValueBytes: 4096,
    });
    expect(report.findings.map((finding) => formatModelCheckFinding(finding))).toEqual([]);
    expect(report.timedOut).toBeGreaterThan(10);
  }, 60_000);
});

describe('fuzzBackend (the model check after a sweep of invalid inputs)', () => {
  const capabilities = ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'] as const;

  it('reports no issue on the reference backend and counts the rejections by code', async () => {
    const backend = new ReferenceBackend(new ReferenceStore(), 'fuzz');
    const report = await fuzzBackend(backend, { seed: 3, calls: 400, capabilities });
    expect(report.issues).toEqual([]);
    expect(report.calls).toBeGreaterThan(400);
    expect(report.resolved).toBeGreaterThan(100);
    expect(report.rejections['PERMANENT/INVALID_KEY']).toBeGreaterThan(10);
  }, 60_000);

  it('reports a raw error as unclassified, naming the call', async () => {
    const backend = new RawErrorForSymbolKey(new ReferenceStore(), 'fuzz');
    const report = await fuzzBackend(backend, { seed: 3, calls: 50, capabilities });
    const issue = report.issues.find((found) => found.problem.includes('classified BackendError'));
    expect(issue, JSON.stringify(report.issues.slice(0, 3))).toBeDefined();
    expect(issue!.input).toContain('Symbol');
  }, 60_000);
});
