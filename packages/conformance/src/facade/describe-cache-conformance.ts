import { registerSuite, type SuiteGroup, summarizeGroups } from '../suite/suite.js';
import {
  facadeEventsGroup,
  facadeGetOrSetGroup,
  facadeStatsGroup,
  facadeTagsGroup,
} from './facade-groups-behaviour.js';
import { facadeGoldenGroup, facadeValuesGroup } from './facade-groups-values.js';
import {
  type CacheConformanceOptions,
  FacadeHarness,
  type ResolvedCacheConformanceOptions,
  resolveCacheOptions,
} from './facade-options.js';

/** Every group of the facade kit, in order. */
export const CACHE_CONFORMANCE_GROUPS: readonly SuiteGroup<
  FacadeHarness,
  ResolvedCacheConformanceOptions
>[] = [
  facadeValuesGroup,
  facadeGoldenGroup,
  facadeGetOrSetGroup,
  facadeStatsGroup,
  facadeEventsGroup,
  facadeTagsGroup,
];

/** The facade kit's groups and cases, for the catalogue. */
export const cacheConformanceGroups = summarizeGroups(CACHE_CONFORMANCE_GROUPS);

/**
 * Registers the conformance suite of a typed cache facade (the layer above
 * bytes): value vectors round-trip exactly, golden encodings, getOrSet
 * single-flight, exact stats and events, tag invalidation across two
 * facades on one store. The facade is typed structurally
 * ({@link CacheFacade}), so the kit depends on no facade package.
 *
 * @example
 * ```ts
 * import { createCache, defaultSerializer } from '@cachestack/cache';
 * import { defaultSerializerGolden, describeCacheConformance } from '@cachestack/conformance';
 * describeCacheConformance('createCache over memory', {
 *   create: ({ namespace }) => createCache({ backend: storeFor(namespace) }),
 *   features: ['getOrSet', 'stats', 'events', 'tags'],
 *   serializer: defaultSerializer,
 *   golden: defaultSerializerGolden,
 * });
 * ```
 */
export function describeCacheConformance(name: string, options: CacheConformanceOptions): void {
  const resolved = resolveCacheOptions(options);
  registerSuite(name, {
    options: resolved,
    groups: CACHE_CONFORMANCE_GROUPS,
    harness: (current) => new FacadeHarness(current),
    knownFailures: resolved.knownFailures,
  });
}
