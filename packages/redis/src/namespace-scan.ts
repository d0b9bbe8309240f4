import type { Redis } from 'ioredis';
import { groupKeysBySlot } from './cluster-routing.js';

/** Runs one round trip under the caller's time limit and error mapping. */
export type Step = <T>(run: () => Promise<T>) => Promise<T>;

/**
 * Yields the keys matching `pattern` on one node, a `SCAN` page at a time
 * (`SCAN cursor MATCH pattern COUNT count`). Each page is one {@link Step}.
 * Redis may return a key twice across pages; callers dedupe if they must.
 */
export async function* scanNode(
  node: Redis,
  pattern: string,
  count: number,
  step: Step,
): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await step(() => node.scan(cursor, 'MATCH', pattern, 'COUNT', count));
    cursor = next;
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}

/**
 * Removes every key matching `pattern` from one node with `SCAN` and
 * `UNLINK` in batches of at most `count` keys. On a Cluster node the keys of
 * each page are grouped by slot, since one `UNLINK` may only name keys of
 * one slot. Never uses `FLUSHDB`/`FLUSHALL`.
 * @returns how many keys were unlinked.
 */
export async function unlinkMatching(
  node: Redis,
  pattern: string,
  count: number,
  clusterNode: boolean,
  step: Step,
): Promise<number> {
  let removed = 0;
  for await (const keys of scanNode(node, pattern, count, step)) {
    const groups = clusterNode ? groupKeysBySlot(keys) : [keys];
    const pipeline = node.pipeline();
    for (const group of groups) pipeline.unlink(...group);
    const results = await step(() => pipeline.exec());
    for (const [error, result] of results ?? []) {
      if (error) throw error;
      removed += Number(result);
    }
  }
  return removed;
}
