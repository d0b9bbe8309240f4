import type { LRUCache } from 'lru-cache';
import type { EntryStoreLimits } from './entry-store.js';
import { entrySizeBytes } from './memory-backend-options.js';
import type { SnapshotEntry } from './snapshot-format.js';
import { bytesOf, type StoredValue } from './stored-value.js';

// Between the lru-cache instances that hold a memory backend's entries
// (EntryStore's one, TinyLfuEntryStore's segments) and snapshot entries, and
// the TTL arithmetic both stores share.

/**
 * The whole ms an lru-cache remaining TTL reports: rounded up, at least 1,
 * `Infinity` for no expiry.
 * @param remaining - from lru-cache's `getRemainingTTL` for a live key, in ms.
 */
export function wholeRemainingMs(remaining: number): number {
  return remaining === Number.POSITIVE_INFINITY ? remaining : Math.max(1, Math.ceil(remaining));
}

/**
 * Appends the live entries of `lru` to `into`, least recently used first, with
 * wall-clock expiries (`0`: none). Stored arrays are shared, not copied (they
 * are never mutated); string-kept values become arrays of their own.
 * @param now - wall-clock time in epoch ms.
 */
export function collectLive(
  lru: LRUCache<string, StoredValue>,
  now: number,
  into: SnapshotEntry[],
): void {
  // lru-cache types its entries loosely; they are [string, StoredValue] pairs here.
  for (const [key, stored] of lru.rentries() as Iterable<[string, StoredValue]>) {
    const remaining = lru.getRemainingTTL(key);
    if (remaining <= 0) continue;
    const expiresAt = remaining === Number.POSITIVE_INFINITY ? 0 : now + remaining;
    const value = typeof stored === 'string' ? bytesOf(stored) : stored;
    into.push({ key, value, expiresAt });
  }
}

/**
 * How a snapshot entry is stored again at `now`: its TTL (whole ms, `0` for
 * none) and size ({@link entrySizeBytes}), or `undefined` when it has expired
 * or no longer fits `limits`.
 * @param now - wall-clock time in epoch ms.
 */
export function restoredEntry(
  entry: SnapshotEntry,
  now: number,
  limits: EntryStoreLimits,
): { ttl: number; size: number } | undefined {
  if (entry.expiresAt !== 0 && entry.expiresAt <= now) return undefined;
  if (entry.value.byteLength > limits.maxValueBytes) return undefined;
  const size = entrySizeBytes(entry.key, entry.value.byteLength);
  // Without a byte limit (`Infinity`) every size fits.
  if (size > limits.maxBytes) return undefined;
  return { ttl: entry.expiresAt === 0 ? 0 : Math.ceil(entry.expiresAt - now), size };
}
