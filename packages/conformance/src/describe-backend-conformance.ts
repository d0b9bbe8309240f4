import type { BaseBackend } from '@cachestack/core';
import { afterEach, describe, it } from 'vitest';
import type { ConformanceCase } from './conformance-case.js';
import { CONFORMANCE_GROUP_DEFINITIONS } from './groups/index.js';
import { ConformanceHarness } from './harness.js';
import type { ConformanceOptions } from './options.js';
import { type ResolvedConformanceOptions, resolveOptions } from './resolve-options.js';

/** Time limit for one case, in ms (independent of the caller's vitest testTimeout). */
const CASE_TIMEOUT_MS = 60_000;

/** Time limit for the per-test teardown (closing backends, cleanup), in ms. */
const TEARDOWN_TIMEOUT_MS = 60_000;

function registerCase(
  entry: ConformanceCase,
  options: ResolvedConformanceOptions,
  harnesses: Map<string, ConformanceHarness>,
): void {
  const reason = entry.skip?.(options);
  if (reason !== undefined) {
    it.skip(`${entry.name} (skipped: ${reason})`, () => {});
    return;
  }
  it(
    entry.name,
    async (context) => {
      const harness = new ConformanceHarness(options);
      harnesses.set(context.task.id, harness);
      await entry.run(harness);
    },
    CASE_TIMEOUT_MS,
  );
}

/**
 * Registers the conformance suite for one backend: `describe(name)` with a
 * nested `describe` per group. Call it once at the top level of a vitest file.
 *
 * Every test gets a fresh namespace, creates its backends through
 * `options.create`, and closes them all when it ends (close errors are
 * ignored), then awaits `options.cleanup`. Groups of capabilities the backend
 * does not claim are registered as skipped, with the reason in their name; a
 * claimed capability whose methods are missing fails every case of its group.
 *
 * @example
 * ```ts
 * import { describeBackendConformance } from '@cachestack/conformance';
 * describeBackendConformance('my backend', {
 *   create: ({ namespace }) => new MyBackend({ namespace }),
 *   capabilities: ['ttl', 'batch'],
 * });
 * ```
 */
export function describeBackendConformance<B extends BaseBackend>(
  name: string,
  options: ConformanceOptions<B>,
): void {
  const resolved = resolveOptions(
    options as unknown as ConformanceOptions,
    new Set(CONFORMANCE_GROUP_DEFINITIONS.map((group) => group.name)),
  );
  describe(name, () => {
    const harnesses = new Map<string, ConformanceHarness>();
    afterEach(async (context) => {
      const harness = harnesses.get(context.task.id);
      if (harness === undefined) return;
      harnesses.delete(context.task.id);
      await harness.dispose();
    }, TEARDOWN_TIMEOUT_MS);

    for (const group of CONFORMANCE_GROUP_DEFINITIONS) {
      const capability = group.capability;
      // Groups left out by the `groups` option run in another registration
      // (e.g. the same store in another configuration): not registered here.
      if (resolved.groups !== undefined && !resolved.groups.includes(group.name)) continue;
      if (capability !== undefined && !resolved.capabilities.includes(capability)) {
        describe.skip(`${group.name} (skipped: '${capability}' not claimed by this backend)`, () => {
          for (const entry of group.cases) it(entry.name, () => {});
        });
        continue;
      }
      describe(group.name, () => {
        for (const entry of group.cases) registerCase(entry, resolved, harnesses);
      });
    }
  });
}
