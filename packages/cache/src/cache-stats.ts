/** Counters of a cache (shared by a cache and its namespaces). */
export interface CacheStats {
  /** Reads that found a fresh value (object-tier hits included). */
  hits: number;
  /**
   * Of {@link CacheStats.hits}, those the object tier answered without
   * reading the backend ({@link CacheOptions.objectCache}); always 0
   * without one.
   */
  objectTierHits: number;
  /** Reads that found nothing fresh. */
  misses: number;
  /** Values written (set, setMany entries, getOrSet loads). */
  sets: number;
  /** Keys deleted that existed. */
  deletes: number;
  /** Backend, serializer and loader-refresh failures (thrown or absorbed). */
  errors: number;
  /** Times a getOrSet loader was called. */
  loaderCalls: number;
  /**
   * getOrSet callers that did not run the loader because another caller was
   * loading: they joined an in-flight load in this process, or waited for
   * another process's lock and then found the value.
   */
  stampedesAvoided: number;
  /** Times getOrSet served a stale value within its grace period. */
  staleServed: number;
}

/** Creates a zeroed {@link CacheStats}. */
export function emptyStats(): CacheStats {
  return {
    hits: 0,
    objectTierHits: 0,
    misses: 0,
    sets: 0,
    deletes: 0,
    errors: 0,
    loaderCalls: 0,
    stampedesAvoided: 0,
    staleServed: 0,
  };
}
