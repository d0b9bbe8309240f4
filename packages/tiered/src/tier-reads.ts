import {
  type BackendError,
  isTtlInspectable,
  type OperationTraceContext,
  type TTLInspectable,
} from '@cachestack/core';
import type { Tier } from './tier.js';
import {
  type ReadOutcome,
  type TieredContext,
  type TierFailure,
  traceAnswer,
} from './tiered-context.js';

/** `undefined`: unknown (the tier cannot tell); `Infinity`: no expiry; else ms left. */
type Remaining = number | undefined;

/**
 * The TTL in ms for a copy written into `tier` by a backfill, or `null` to
 * skip this tier: never longer than what is left in the answering tier,
 * never longer than the tier's cap.
 */
export function backfillTtl(
  tier: Tier,
  remaining: Remaining,
  fallbackMs: number | undefined,
): number | undefined | null {
  if (remaining === undefined) return tier.capTtl(fallbackMs) ?? null;
  if (remaining === Number.POSITIVE_INFINITY) return tier.maxTtlMs;
  const whole = Math.floor(remaining);
  return whole >= 1 ? tier.capTtl(whole) : null;
}

/**
 * Copies `value`, found in `source`, into every tier above it whose circuit
 * is closed. The TTL comes from `source.getTtl` (a second round trip)
 * minus the time spent since asking, so the copy never outlives the source
 * entry. Skips everything when `isStale()` says a write touched the key
 * meanwhile. Never rejects.
 */
export async function backfill(
  context: TieredContext,
  key: string,
  value: Uint8Array,
  source: Tier,
  isStale: () => boolean,
): Promise<void> {
  let remaining: Remaining;
  const asked = performance.now();
  if (isTtlInspectable(source.backend)) {
    const ttl = await source.attempt('getTtl', key, (backend) =>
      (backend as unknown as TTLInspectable).getTtl(key),
    );
    if (!ttl.ok) {
      context.report({ operation: 'backfill', key, tier: source.name, error: ttl.error });
      return;
    }
    if (ttl.value === undefined) return;
    remaining = ttl.value;
  }
  await backfillWithTtl(context, key, value, source, remaining, asked, isStale);
}

/**
 * {@link backfill} when the source's remaining TTL is already known (read
 * with the value, by the TTL-read protocol): `remaining` ms were left at
 * some moment after `asked` (a `performance.now()` time), so the copies get
 * `remaining` minus the time since `asked`. Never rejects.
 */
export async function backfillWithTtl(
  context: TieredContext,
  key: string,
  value: Uint8Array,
  source: Tier,
  remaining: Remaining,
  asked: number,
  isStale: () => boolean,
): Promise<void> {
  if (isStale()) return;
  if (remaining !== undefined && remaining !== Number.POSITIVE_INFINITY) {
    // Minus the time since asking, and 1 ms for the tiers' rounding of whole ms.
    remaining -= Math.ceil(performance.now() - asked) + 1;
  }
  const jobs: Promise<void>[] = [];
  for (const tier of context.tiers) {
    if (tier.index >= source.index) break;
    if (!tier.breaker.isClosed) continue;
    const ttlMs = backfillTtl(tier, remaining, context.backfillTtlMs);
    if (ttlMs === null) continue;
    jobs.push(
      tier
        .attempt('backfill', key, (backend) => backend.set(key, value, ttlMs))
        .then((result) => {
          if (!result.ok) {
            context.report({ operation: 'backfill', key, tier: tier.name, error: result.error });
          }
        }),
    );
  }
  await Promise.all(jobs);
}

/**
 * Decides what a read that found nothing resolves: a miss when the
 * authoritative tier answered or when the policy is `degrade` and some tier
 * answered; otherwise the classified error. Reports absorbed failures.
 * @param failures - every failed or skipped tier of the read, L1 first.
 * @param lastAnswered - true when the authoritative tier answered.
 */
export function settleMiss(
  context: TieredContext,
  operation: string,
  key: string | undefined,
  failures: readonly TierFailure[],
  lastAnswered: boolean,
): void {
  if (failures.length === 0) return;
  const answered = context.tiers.length - failures.length;
  if (!lastAnswered) {
    const authoritative = failures[failures.length - 1] as TierFailure;
    if (answered === 0 || context.readPolicy === 'strict') throw authoritative.error;
  }
  for (const failure of failures) {
    context.report({ operation, key, tier: failure.tier.name, error: failure.error });
  }
}

async function readBelow(
  context: TieredContext,
  key: string,
  flight: { dirty: boolean },
): Promise<ReadOutcome> {
  const failures: TierFailure[] = [];
  const { tiers } = context;
  for (let index = 1; index < tiers.length; index += 1) {
    const tier = tiers[index] as Tier;
    const reader = tier.ttlRead;
    if (reader !== undefined) {
      // One round trip for the value and its TTL (the TTL-read protocol).
      const asked = performance.now();
      const found = await tier.attempt('get', key, () => reader.getWithTtl(key));
      if (!found.ok) {
        failures.push({ tier, error: found.error });
        continue;
      }
      if (found.value === undefined) continue;
      const { value, ttlMs } = found.value;
      await backfillWithTtl(context, key, value, tier, ttlMs, asked, () => flight.dirty);
      return { value, failures, source: tier };
    }
    const result = await tier.attempt('get', key, (backend) => backend.get(key));
    if (!result.ok) {
      failures.push({ tier, error: result.error });
      continue;
    }
    if (result.value !== undefined) {
      await backfill(context, key, result.value, tier, () => flight.dirty);
      return { value: result.value, failures, source: tier };
    }
  }
  return { value: undefined, failures };
}

/**
 * The slow path of `get`, after L1 missed, failed or was skipped: one
 * coalesced read of the lower tiers per key, backfill, then the read policy.
 * Every caller gets its own copy of the bytes.
 * @param firstFailure - L1's error, when L1 failed or was skipped.
 * @param trace - the traced `get`'s context, told which tier answered.
 */
export async function readThrough(
  context: TieredContext,
  key: string,
  firstFailure: BackendError | undefined,
  trace?: OperationTraceContext,
): Promise<Uint8Array | undefined> {
  const outcome: ReadOutcome =
    context.tiers.length === 1
      ? { value: undefined, failures: [] }
      : await context.flights.run(key, (flight) => readBelow(context, key, flight));
  if (outcome.value !== undefined) {
    if (outcome.source !== undefined) traceAnswer(trace, outcome.source);
    return Buffer.from(outcome.value);
  }
  const failures =
    firstFailure === undefined
      ? outcome.failures
      : [{ tier: context.tiers[0] as Tier, error: firstFailure }, ...outcome.failures];
  const last = context.tiers[context.tiers.length - 1] as Tier;
  settleMiss(context, 'get', key, failures, failures.at(-1)?.tier !== last);
  return undefined;
}

/**
 * `exists`, top-down: true as soon as a tier has the key (so it agrees with `get`).
 * @param trace - the traced call's context, told which tier answered.
 */
export async function existsThrough(
  context: TieredContext,
  key: string,
  trace?: OperationTraceContext,
): Promise<boolean> {
  const failures: TierFailure[] = [];
  for (const tier of context.tiers) {
    const result = await tier.attempt('exists', key, (backend) => backend.exists(key));
    if (!result.ok) failures.push({ tier, error: result.error });
    else if (result.value) {
      traceAnswer(trace, tier);
      return true;
    }
  }
  const last = context.tiers[context.tiers.length - 1] as Tier;
  settleMiss(context, 'exists', key, failures, failures.at(-1)?.tier !== last);
  return false;
}

/**
 * `getMany`: each tier is asked (in one batch call when it offers one) only
 * for the keys still missing; hits are backfilled upwards unless a write
 * happened meanwhile. Duplicate keys get their own copies.
 */
export async function readMany(
  context: TieredContext,
  keys: readonly string[],
): Promise<(Uint8Array | undefined)[]> {
  const epoch = context.writeEpoch();
  const isStale = () => context.writeEpoch() !== epoch;
  const found = new Map<string, Uint8Array>();
  const failures: TierFailure[] = [];
  const backfills: Promise<void>[] = [];
  let pending = [...new Set(keys)];
  for (const tier of context.tiers) {
    if (pending.length === 0) break;
    const asked = pending;
    const started = performance.now();
    const result = await tier.attempt('getMany', undefined, () => readTier(tier, asked));
    if (!result.ok) {
      failures.push({ tier, error: result.error });
      continue;
    }
    pending = [];
    asked.forEach((key, position) => {
      const hit = result.value[position];
      if (hit === undefined) {
        pending.push(key);
        return;
      }
      const { value, ttlMs } = hit;
      found.set(key, value);
      if (tier.index === 0) return;
      backfills.push(
        ttlMs === undefined
          ? backfill(context, key, value, tier, isStale)
          : backfillWithTtl(context, key, value, tier, ttlMs, started, isStale),
      );
    });
  }
  await Promise.all(backfills);
  if (pending.length > 0) {
    const last = context.tiers[context.tiers.length - 1] as Tier;
    settleMiss(context, 'getMany', undefined, failures, failures.at(-1)?.tier !== last);
  }
  const handedOut = new Set<string>();
  return keys.map((key) => {
    const value = found.get(key);
    if (value === undefined) return undefined;
    if (handedOut.has(key)) return Buffer.from(value);
    handedOut.add(key);
    return value;
  });
}

/** A batch hit: the bytes, and the remaining TTL when the tier read it with them. */
interface BatchHit {
  value: Uint8Array;
  ttlMs?: number;
}

/**
 * One tier's hits for `keys` (distinct), in order: with their TTLs in the
 * same round trip when a tier below L1 offers the TTL-read protocol.
 */
async function readTier(tier: Tier, keys: readonly string[]): Promise<(BatchHit | undefined)[]> {
  const reader = tier.index > 0 ? tier.ttlRead : undefined;
  if (reader !== undefined) return reader.getManyWithTtl(keys);
  const values = await tier.getMany(keys);
  return values.map((value) => (value === undefined ? undefined : { value }));
}
