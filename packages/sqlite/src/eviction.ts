import { PAGE_ROWS, type SqliteStatements } from './statements.js';

/** Entry and byte limits of one namespace. */
export interface SqliteLimits {
  /** Largest number of entries, or `undefined` for none. */
  maxEntries: number | undefined;
  /** Largest total of key and value bytes, or `undefined` for none. */
  maxBytes: number | undefined;
}

/**
 * Once a limit is passed, eviction frees this fraction of it (at most
 * {@link PAGE_ROWS} entries) beyond what is needed, so that the next writes
 * do not each evict one entry.
 */
const HEADROOM_FRACTION = 1 / 64;

function headroom(limit: number | undefined, cap: number): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY;
  return limit - Math.min(cap, Math.floor(limit * HEADROOM_FRACTION));
}

/**
 * Brings the namespace back within `limits`. Must run inside the write
 * transaction that added entries. Reads the namespace's counters (kept by
 * triggers) with one primary-key lookup, so a write within the limits costs
 * no scan. When over, it deletes expired entries first, then the entries
 * with the oldest `accessed_at` (last access for `'lru'`, last write for
 * `'oldest'`) through the `(namespace, accessed_at)` index, never `keepKey`.
 * @param beforeEvict - runs once when a limit is passed, before anything is
 *   deleted (writes the pending access times, so the order is current).
 * @returns how many live entries were evicted.
 */
export function enforceLimits(
  statements: SqliteStatements,
  namespace: string,
  keepKey: string,
  limits: SqliteLimits,
  now: number,
  beforeEvict: () => void,
): number {
  const maxEntries = limits.maxEntries ?? Number.POSITIVE_INFINITY;
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const read = (): [number, number] =>
    (statements.stats.get({ ns: namespace }) as [number, number] | undefined) ?? [0, 0];
  let [entries, bytes] = read();
  if (entries <= maxEntries && bytes <= maxBytes) return 0;
  beforeEvict();

  for (let page = 0; page < 64; page++) {
    if (statements.purgeExpired.run({ ns: namespace, now }).changes < PAGE_ROWS) break;
  }
  [entries, bytes] = read();
  if (entries <= maxEntries && bytes <= maxBytes) return 0;

  const targetEntries = headroom(limits.maxEntries, PAGE_ROWS);
  const targetBytes = headroom(limits.maxBytes, Number.POSITIVE_INFINITY);
  let evicted = 0;
  while (entries > targetEntries || bytes > targetBytes) {
    const candidates = statements.evictionCandidates.all({
      ns: namespace,
      key: keepKey,
      limit: PAGE_ROWS,
    }) as [number, number][];
    if (candidates.length === 0) break;
    for (const [rowid, size] of candidates) {
      if (entries <= targetEntries && bytes <= targetBytes) break;
      statements.deleteRow.run({ rowid });
      entries -= 1;
      bytes -= size;
      evicted += 1;
    }
  }
  return evicted;
}
