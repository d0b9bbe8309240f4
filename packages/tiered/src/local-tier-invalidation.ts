import type { InvalidationMessage } from '@cachestack/core';
import type { Tier } from './tier.js';
import type { TieredContext } from './tiered-context.js';

function validKeys(message: InvalidationMessage): string[] {
  if (!Array.isArray(message.keys)) return [];
  return message.keys.filter((key): key is string => typeof key === 'string' && key !== '');
}

/**
 * Drops every copy held by the local tiers (on `clear` messages, after the
 * bus reconnected, or when a local tier's circuit re-closes). A tier that
 * is not clearable cannot be dropped: its copies stay until their TTL
 * (bounded by its `maxTtlMs`). Never rejects; failures are reported.
 */
export async function dropLocalTiers(
  context: TieredContext,
  tiers: readonly Tier[],
  reason: 'invalidate' | 'reconnect' | 'recover',
): Promise<void> {
  context.markWritten(undefined);
  await Promise.all(
    tiers.map(async (tier) => {
      const result = await tier.attempt(reason, undefined, () => tier.clearIfPossible());
      if (!result.ok) context.report({ operation: reason, tier: tier.name, error: result.error });
    }),
  );
  context.invalidated({ kind: 'clear', reason: reason === 'invalidate' ? 'message' : reason });
}

/**
 * Applies an invalidation message from another instance to the local
 * tiers: deletes the named keys (or clears, for `kind: 'clear'`). Reads of
 * those keys that are in flight skip their backfill. Never rejects.
 */
export async function applyInvalidation(
  context: TieredContext,
  tiers: readonly Tier[],
  message: InvalidationMessage,
): Promise<void> {
  if (message.kind === 'clear') {
    await dropLocalTiers(context, tiers, 'invalidate');
    return;
  }
  const keys = validKeys(message);
  if (keys.length === 0) return;
  context.markWritten(keys);
  await Promise.all(
    tiers.map(async (tier) => {
      const result = await tier.attempt('invalidate', keys[0], () => tier.deleteMany(keys));
      if (!result.ok) {
        context.report({
          operation: 'invalidate',
          key: keys[0],
          tier: tier.name,
          error: result.error,
        });
      }
    }),
  );
  context.markWritten(keys);
  context.invalidated({ kind: 'keys', keys, reason: 'message' });
}
