import { registerSuite, type SuiteGroup, summarizeGroups } from '../suite/suite.js';
import { busGroup, stalenessGroup } from './bus-groups.js';
import {
  BusHarness,
  type InvalidationBusConformanceOptions,
  type ResolvedBusOptions,
  resolveBusOptions,
} from './bus-options.js';

/** Every group of the invalidation-bus kit, in order. */
export const INVALIDATION_BUS_CONFORMANCE_GROUPS: readonly SuiteGroup<
  BusHarness,
  ResolvedBusOptions
>[] = [busGroup, stalenessGroup];

/** The bus kit's groups and cases, for the catalogue. */
export const invalidationBusConformanceGroups = summarizeGroups(
  INVALIDATION_BUS_CONFORMANCE_GROUPS,
);

/**
 * Registers the conformance suite of an `InvalidationBus` (from
 * `@cachestack/core`) and of the nodes that hold local copies over it:
 * messages reach every subscriber intact, and message loss, duplication,
 * reordering (injected by the kit's {@link FaultInjectingBus} around each
 * bus) and a reconnect (your `reconnect` hook) never leave a local copy
 * fresh beyond the documented bound: its local TTL cap, or the flush on
 * reconnect.
 *
 * @example
 * ```ts
 * describeInvalidationBusConformance('RedisInvalidationBus', {
 *   createBus: () => new RedisInvalidationBus({ client }),
 *   createNode: ({ namespace, bus, origin, localTtlCapMs }) => new TieredBackend({
 *     tiers: [{ backend: new MemoryBackend(), maxTtlMs: localTtlCapMs }, new RedisBackend({ url, namespace })],
 *     invalidation: { bus, namespace, origin },
 *   }),
 *   reconnect: () => admin.client('KILL', 'TYPE', 'pubsub').then(() => {}),
 * });
 * ```
 */
export function describeInvalidationBusConformance(
  name: string,
  options: InvalidationBusConformanceOptions,
): void {
  const resolved = resolveBusOptions(options);
  registerSuite(name, {
    options: resolved,
    groups: INVALIDATION_BUS_CONFORMANCE_GROUPS,
    harness: (current) => new BusHarness(current),
    knownFailures: {},
  });
}
