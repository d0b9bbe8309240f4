import type { BatchEntry, NormalizedBatchEntry } from '@cachestack/core';
import type { Tier } from './tier.js';

/**
 * The entries of a validated `setMany` list that a later entry for the same
 * key replaces, in their original order.
 */
export function supersededEntries(entries: readonly BatchEntry[]): BatchEntry[] {
  const last = new Map<string, number>();
  entries.forEach((entry, index) => {
    last.set(entry.key, index);
  });
  return entries.filter((entry, index) => last.get(entry.key) !== index);
}

/**
 * Writes one tier's share of a `setMany`, `elapsedMs` after the operation
 * started: each entry with min(its TTL − elapsed, the tier's cap); entries
 * whose copy would live less than 1 ms are deleted from the tier instead.
 * @param superseded - earlier entries for keys repeated later in the batch ({@link supersededEntries}).
 */
export async function writeBatchToTier(
  tier: Tier,
  normalized: readonly NormalizedBatchEntry[],
  superseded: readonly BatchEntry[],
  elapsedMs: number,
): Promise<void> {
  const copies: NormalizedBatchEntry[] = [];
  const expiring = [];
  const ttlByKey = new Map<string, number | undefined>();
  for (const entry of normalized) {
    const ttlMs = tier.copyTtl(entry.ttlMs, elapsedMs);
    if (ttlMs === null) expiring.push(entry.key);
    else ttlByKey.set(entry.key, ttlMs);
  }
  // Earlier entries for a key go first, so the tier checks them too (a
  // value over its limit rejects the whole batch, as if set in order);
  // the later entry overwrites them within the same batch.
  for (const { key, value } of superseded) {
    if (ttlByKey.has(key)) copies.push({ key, value, ttlMs: ttlByKey.get(key) });
  }
  for (const entry of normalized) {
    if (ttlByKey.has(entry.key)) copies.push({ ...entry, ttlMs: ttlByKey.get(entry.key) });
  }
  if (expiring.length > 0) await tier.deleteMany(expiring);
  if (copies.length > 0) await tier.setMany(copies);
}
