import type { BaseBackend } from '@cachestack/core';
import { ReferenceBackend, ReferenceStore } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { ConformanceHarness, requireClaimedCapability } from '../src/harness.js';
import { resolveOptions } from '../src/resolve-options.js';

function harnessWith(events: string[], closeFails = false) {
  const store = new ReferenceStore();
  return new ConformanceHarness(
    resolveOptions({
      create: ({ namespace }) => {
        const backend = new ReferenceBackend(store, namespace);
        const close = backend.close.bind(backend);
        backend.close = async () => {
          events.push(`close ${namespace}`);
          await close();
          if (closeFails) throw new Error('close failed');
        };
        return backend;
      },
      capabilities: ['ttl'],
      faults: {
        slowDown: async () => {
          events.push('slowDown');
        },
        restoreSpeed: async () => {
          events.push('restoreSpeed');
        },
        makeUnavailable: async () => {
          events.push('makeUnavailable');
        },
        makeAvailable: async () => {
          events.push('makeAvailable');
        },
      },
      cleanup: async () => {
        events.push('cleanup');
      },
    }),
  );
}

describe('ConformanceHarness', () => {
  it('gives each test a fresh [a-z0-9-] namespace', () => {
    const a = harnessWith([]);
    const b = harnessWith([]);
    expect(a.namespace).toMatch(/^[a-z0-9-]+$/);
    expect(a.namespace).not.toBe(b.namespace);
    expect(a.newNamespace()).not.toBe(a.namespace);
  });

  it('undoes faults, closes every backend, then runs cleanup', async () => {
    const events: string[] = [];
    const harness = harnessWith(events);
    await harness.create();
    await harness.create(`${harness.namespace}-other`);
    await harness.slowDown(100);
    await harness.makeUnavailable();
    events.length = 0;
    await harness.dispose();
    expect(events.slice(0, 2)).toEqual(['restoreSpeed', 'makeAvailable']);
    expect(events.slice(2, 4).sort()).toEqual([
      `close ${harness.namespace}`,
      `close ${harness.namespace}-other`,
    ]);
    expect(events[4]).toBe('cleanup');
  });

  it('ignores close errors', async () => {
    const events: string[] = [];
    const harness = harnessWith(events, true);
    await harness.create();
    await expect(harness.dispose()).resolves.toBeUndefined();
    expect(events).toContain('cleanup');
  });

  it('fails with the capability named when a claimed capability is missing', async () => {
    const harness = harnessWith([]);
    const backend = await harness.create();
    const bare = { backendType: 'bare', get: backend.get.bind(backend) } as unknown as BaseBackend;
    expect(() => requireClaimedCapability(bare, 'lock')).toThrow(
      "the backend claims the 'lock' capability but does not implement acquireLock()",
    );
  });

  it('rejects a create() result that is not a backend', () => {
    const harness = harnessWith([]);
    expect(() => harness.track(undefined as unknown as BaseBackend)).toThrow(
      'create() must return a backend',
    );
  });
});
