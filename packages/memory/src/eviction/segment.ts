import { LRUCache } from 'lru-cache';
import { entrySizeBytes } from '../memory-backend-options.js';
import { type StoredValue, storedByteLength } from '../stored-value.js';

/**
 * One recency-ordered segment of a W-TinyLFU store (window, probation or
 * protected): an lru-cache that never evicts on its own (the store decides),
 * keeps per-entry TTLs on the monotonic clock without timers, and counts
 * each entry's {@link entrySizeBytes}.
 */
export type Segment = LRUCache<string, StoredValue>;

/** A new, empty {@link Segment}. */
export function createSegment(): Segment {
  return new LRUCache<string, StoredValue>({
    max: 0,
    // Sizes are tracked for the store's limits; the segment itself never evicts.
    maxSize: Number.MAX_SAFE_INTEGER,
    ttlAutopurge: false,
    // Read the clock on every check: an entry is never served after its TTL.
    ttlResolution: 0,
    allowStale: false,
    updateAgeOnGet: false,
    updateAgeOnHas: false,
  });
}

/**
 * The least recently used key of `segment`, expired or not, or `undefined`
 * when it is empty. (lru-cache's iterators skip expired entries unless
 * `allowStale` is set, and an expired entry still takes room until removed.)
 */
export function oldestKey(segment: Segment): string | undefined {
  if (segment.size === 0) return undefined;
  segment.allowStale = true;
  try {
    return segment.rkeys().next().value ?? undefined;
  } finally {
    segment.allowStale = false;
  }
}

/** True when `key` is stored in `segment`, expired or not. */
export function holds(segment: Segment, key: string): boolean {
  return segment.peek(key, { allowStale: true }) !== undefined;
}

/**
 * Moves `key` from `from` to the most recently used end of `to`, keeping its
 * exact expiry (lru-cache's `start` and `ttl`). An expired entry is dropped
 * instead.
 * @returns false when the entry was missing or expired.
 */
export function moveEntry(from: Segment, to: Segment, key: string): boolean {
  const status: LRUCache.Status<string, StoredValue> = {};
  const stored = from.get(key, { status });
  from.delete(key);
  if (stored === undefined) return false;
  to.set(key, stored, {
    ttl: status.ttl ?? 0,
    start: status.start,
    size: entrySizeBytes(key, storedByteLength(stored)),
  });
  return true;
}
