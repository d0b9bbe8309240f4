import { LOCAL_READ, LOCAL_READ_UNAVAILABLE } from '@cachestack/core';
import type { Tier } from './tier.js';

/**
 * The `getMany` fast path: when L1 answers synchronously (core's
 * local-read protocol) and has EVERY key, its values (each a copy of its
 * own, duplicates included), without touching the lower tiers or the
 * batch machinery. `undefined` as soon as one key misses, L1 cannot answer
 * synchronously, or it throws: the caller takes the general path (which
 * reads L1 again and handles its failure).
 */
export function readAllLocal(
  tier: Tier,
  keys: readonly string[],
): (Uint8Array | undefined)[] | undefined {
  const local = tier.localRead;
  if (local === undefined || !tier.breaker.isClosed) return undefined;
  const values: Uint8Array[] = new Array(keys.length);
  try {
    for (let i = 0; i < keys.length; i++) {
      const value = local[LOCAL_READ](keys[i] as string);
      if (value === undefined || value === LOCAL_READ_UNAVAILABLE) return undefined;
      values[i] = value;
    }
  } catch {
    return undefined;
  }
  tier.breaker.onSuccess();
  return values;
}
