import {
  type BackendError,
  type Clearable,
  isTtlInspectable,
  type TTLInspectable,
} from '@cachestack/core';
import { CIRCUIT_OPEN, type Tier } from './tier.js';
import type { TieredContext } from './tiered-context.js';

/** Removes `keys` from the tiers above `below` (best effort; failures are reported). */
async function dropAbove(
  context: TieredContext,
  below: number,
  keys: readonly string[],
  operation: string,
): Promise<void> {
  const jobs: Promise<void>[] = [];
  for (const tier of context.tiers) {
    if (tier.index >= below) break;
    jobs.push(
      tier
        .attempt(operation, keys[0], () => tier.deleteMany(keys))
        .then((result) => {
          if (!result.ok)
            context.report({ operation, key: keys[0], tier: tier.name, error: result.error });
        }),
    );
  }
  await Promise.all(jobs);
}

/**
 * Write-through, bottom-up (Ln first, L1 last), for `set` and `setMany`.
 *
 * - The authoritative tier fails (or its circuit is open): the keys are
 *   removed from every upper tier, and the call rejects with its error.
 * - An upper tier fails: its copy is deleted; if even that fails, the tiers
 *   above it are cleaned too and the call rejects.
 * - An upper tier whose circuit is open is skipped (its copy may stay stale
 *   until its `maxTtlMs` passes or it is cleared when it re-closes).
 *
 * `write` gets the ms elapsed since the call started (0 for the
 * authoritative tier), so upper copies can expire no later than it.
 *
 * An invalidation message goes out once the authoritative tier succeeded.
 */
export async function writeThrough(
  context: TieredContext,
  operation: string,
  keys: readonly string[],
  write: (tier: Tier, elapsedMs: number) => Promise<void>,
): Promise<void> {
  const { tiers } = context;
  const started = performance.now();
  const key = keys.length === 1 ? keys[0] : undefined;
  context.markWritten(keys);
  let authoritativeDone = false;
  try {
    for (let index = tiers.length - 1; index >= 0; index -= 1) {
      const tier = tiers[index] as Tier;
      const authoritative = index === tiers.length - 1;
      const elapsed = authoritative ? 0 : Math.ceil(performance.now() - started);
      const result = await tier.attempt(operation, key, () => write(tier, elapsed));
      if (result.ok) {
        authoritativeDone ||= authoritative;
        continue;
      }
      if (authoritative) {
        await dropAbove(context, index, keys, operation);
        throw result.error;
      }
      if (result.error.code === CIRCUIT_OPEN) continue;
      const cleaned = await tier.attempt(operation, key, () => tier.deleteMany(keys));
      if (!cleaned.ok) {
        await dropAbove(context, index, keys, operation);
        throw result.error;
      }
      context.report({ operation, key, tier: tier.name, error: result.error });
    }
  } finally {
    context.markWritten(keys);
    if (authoritativeDone) await context.publish('keys', keys);
  }
}

/**
 * Delete-through, bottom-up, for `delete` and `deleteMany`: every tier is
 * tried; the call rejects with the first error after trying all of them
 * (an upper tier skipped by its open circuit is not an error). Resolves the
 * largest count any tier reported (for `delete`: 1 if any tier had the key).
 */
export async function deleteThrough(
  context: TieredContext,
  operation: string,
  keys: readonly string[],
): Promise<number> {
  const { tiers } = context;
  const key = keys.length === 1 ? keys[0] : undefined;
  context.markWritten(keys);
  let failure: BackendError | undefined;
  let authoritativeDone = false;
  let count = 0;
  for (let index = tiers.length - 1; index >= 0; index -= 1) {
    const tier = tiers[index] as Tier;
    const authoritative = index === tiers.length - 1;
    const result = await tier.attempt(operation, key, () => tier.deleteMany(keys));
    if (result.ok) {
      count = Math.max(count, result.value);
      authoritativeDone ||= authoritative;
    } else if (authoritative || result.error.code !== CIRCUIT_OPEN) {
      failure ??= result.error;
    }
  }
  context.markWritten(keys);
  if (authoritativeDone) await context.publish('keys', keys);
  if (failure !== undefined) throw failure;
  return count;
}

/**
 * `refreshTtl`: the authoritative tier decides. Upper copies are refreshed
 * to min(ttl, cap) where the tier can, else deleted, so none outlives the
 * authoritative entry; when the key is gone from the authoritative tier,
 * upper copies are deleted.
 */
export async function refreshThrough(
  context: TieredContext,
  key: string,
  ttlMs: number,
): Promise<boolean> {
  const { tiers } = context;
  const last = tiers[tiers.length - 1] as Tier;
  const started = performance.now();
  context.markWritten([key]);
  const result = await last.attempt('refreshTtl', key, (backend) =>
    (backend as unknown as TTLInspectable).refreshTtl(key, ttlMs),
  );
  if (!result.ok) {
    await dropAbove(context, last.index, [key], 'refreshTtl');
    context.markWritten([key]);
    throw result.error;
  }
  let failure: BackendError | undefined;
  const elapsed = Math.ceil(performance.now() - started);
  const jobs = tiers.slice(0, -1).map(async (tier) => {
    const backend = tier.backend;
    const capped = tier.copyTtl(ttlMs, elapsed);
    const canRefresh = result.value && capped !== null && isTtlInspectable(backend);
    const refreshed = await tier.attempt('refreshTtl', key, async () => {
      if (canRefresh) await backend.refreshTtl(key, capped as number);
      else await backend.delete(key);
    });
    if (refreshed.ok || refreshed.error.code === CIRCUIT_OPEN) return;
    const dropped = await tier.attempt('refreshTtl', key, () => backend.delete(key));
    if (!dropped.ok) failure ??= refreshed.error;
  });
  await Promise.all(jobs);
  context.markWritten([key]);
  await context.publish('keys', [key]);
  if (failure !== undefined) throw failure;
  return result.value;
}

/**
 * `clear`, bottom-up on every tier; rejects with the first error after trying
 * all (an upper tier skipped by its open circuit is not an error).
 */
export async function clearThrough(context: TieredContext): Promise<void> {
  const { tiers } = context;
  context.markWritten(undefined);
  let failure: BackendError | undefined;
  let authoritativeDone = false;
  for (let index = tiers.length - 1; index >= 0; index -= 1) {
    const tier = tiers[index] as Tier;
    const result = await tier.attempt('clear', undefined, () =>
      (tier.backend as unknown as Clearable).clear(),
    );
    const authoritative = index === tiers.length - 1;
    if (result.ok) authoritativeDone ||= authoritative;
    else if (authoritative || result.error.code !== CIRCUIT_OPEN) failure ??= result.error;
  }
  context.markWritten(undefined);
  if (authoritativeDone) await context.publish('clear');
  if (failure !== undefined) throw failure;
}
