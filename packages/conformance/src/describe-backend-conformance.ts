import type { BaseBackend } from '@cachestack/core';
import type { ConformanceGroup } from './conformance-case.js';
import { CONFORMANCE_GROUP_DEFINITIONS } from './groups/index.js';
import { ConformanceHarness } from './harness.js';
import type { ConformanceOptions } from './options.js';
import { type ResolvedConformanceOptions, resolveOptions } from './resolve-options.js';
import { registerSuite, type SuiteGroup } from './suite/suite.js';

/** A capability group as a suite group: skipped (with the reason) unless the backend claims it. */
function suiteGroup(
  group: ConformanceGroup,
): SuiteGroup<ConformanceHarness, ResolvedConformanceOptions> {
  const capability = group.capability;
  if (capability === undefined) return group;
  return {
    ...group,
    skip: (options) =>
      options.capabilities.includes(capability)
        ? undefined
        : `'${capability}' not claimed by this backend`,
  };
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
  // Groups left out by the `groups` option run in another registration
  // (e.g. the same store in another configuration): not registered here.
  const groups = CONFORMANCE_GROUP_DEFINITIONS.filter(
    (group) => resolved.groups === undefined || resolved.groups.includes(group.name),
  ).map(suiteGroup);
  registerSuite(name, {
    options: resolved,
    groups,
    harness: (harnessOptions) => new ConformanceHarness(harnessOptions),
    knownFailures: {},
  });
}
