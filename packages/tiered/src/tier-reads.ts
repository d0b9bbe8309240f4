import {
  type BackendError,
  isTtlInspectable,
  type OperationTraceContext,
  type TTLInspectable,
} from '@cachestack/core';
import type { Flight } from './single-flight.js';
import { type Attempt, type Tier, type TierHit, toHit } from './tier.js';
import {
  type ReadOutcome,
  type TieredContext,
  type TierFailure,
  traceAnswer,
} from './tiered-context.js';
import type { TieredOperationRunner } from './tiered-operation-runner.js';

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
    // Minus the time since asking, 1 ms for the tiers' rounding of whole ms,
    // and 0.1% for the rate at which the source's clock (a Redis server's
    // wall clock, slewed by NTP up to 500 ppm) may run behind ours.
    remaining -= Math.ceil(performance.now() - asked) + 1 + Math.ceil(remaining / 1000);
  }
  // The usual case is one tier above (L1): awaited alone, no arrays, no Promise.all.
  let first: Promise<Attempt<void>> | undefined;
  let firstTier: Tier | undefined;
  let more: [Tier, Promise<Attempt<void>>][] | undefined;
  for (const tier of context.tiers) {
    if (tier.index >= source.index) break;
    if (!tier.breaker.isClosed) continue;
    const ttlMs = backfillTtl(tier, remaining, context.backfillTtlMs);
    if (ttlMs === null) continue;
    const job = tier.attempt('backfill', key, (backend) => backend.set(key, value, ttlMs));
    if (first === undefined) {
      first = job;
      firstTier = tier;
    } else {
      more ??= [];
      more.push([tier, job]);
    }
  }
  if (first === undefined) return;
  reportBackfill(context, key, firstTier as Tier, await first);
  if (more !== undefined) {
    for (const [tier, job] of more) reportBackfill(context, key, tier, await job);
  }
}

/** Reports a backfill copy that could not be written (the tier's breaker already saw it). */
function reportBackfill(context: TieredContext, key: string, tier: Tier, result: Attempt<void>) {
  if (!result.ok)
    context.report({ operation: 'backfill', key, tier: tier.name, error: result.error });
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

/**
 * Backfills a hit found in `source` into the tiers above it. With the TTL
 * read with the value (the TTL-read protocol), the copies are written now
 * and the returned promise settles when they are (an in-process L1 is
 * written synchronously; waiting for it costs less than tracking it in the
 * background). Otherwise the TTL needs a second call (`getTtl`): that
 * backfill runs in the background, off the caller's path, and `undefined`
 * is returned; it is counted so `close()` waits for it, and holds
 * `flight` (when given) until done. Never rejects; `isStale()` is checked
 * just before the copies are written.
 */
function startBackfill(
  context: TieredContext,
  key: string,
  hit: TierHit,
  source: Tier,
  asked: number,
  isStale: () => boolean,
  flight: Flight<ReadOutcome> | undefined,
): Promise<void> | undefined {
  if (hit.ttlMs !== undefined) {
    return backfillWithTtl(context, key, hit.value, source, hit.ttlMs, asked, isStale);
  }
  const work = context.track(backfill(context, key, hit.value, source, isStale));
  flight?.hold(work);
  return undefined;
}

/** The `failures` of a read where no tier failed (shared: never mutated). */
const NO_FAILURES: readonly TierFailure[] = Object.freeze([]);

async function readBelow(
  context: TieredContext,
  key: string,
  flight: Flight<ReadOutcome>,
): Promise<ReadOutcome> {
  let failures: TierFailure[] | undefined;
  const { tiers } = context;
  for (let index = 1; index < tiers.length; index += 1) {
    const tier = tiers[index] as Tier;
    const asked = performance.now();
    // One round trip for the value and its TTL when the tier offers the TTL-read protocol.
    const found = await tier.readWithTtl(key);
    if (!found.ok) {
      failures ??= [];
      failures.push({ tier, error: found.error });
      continue;
    }
    const hit = found.value;
    if (hit === undefined) continue;
    // A background backfill holds the flight (joinable, marked dirty by writes) until it is done.
    const pending = startBackfill(context, key, hit, tier, asked, () => flight.dirty, flight);
    if (pending === undefined)
      return { value: hit.value, failures: failures ?? NO_FAILURES, source: tier };
    await pending;
    // The copies are written: the first caller may take these bytes.
    return { value: hit.value, failures: failures ?? NO_FAILURES, source: tier, firstMayOwn: true };
  }
  return { value: undefined, failures: failures ?? NO_FAILURES };
}

/**
 * The slow path of `get`, after L1 missed, failed or was skipped: one
 * coalesced read of the lower tiers per key, backfill, then the read policy.
 * Every caller gets its own copy of the bytes.
 * @param firstFailure - L1's error, when L1 failed or was skipped.
 * @param trace - the traced `get`'s context, told which tier answered.
 * @param runner - when given, the caller counted the read as in flight
 *   ({@link TieredOperationRunner.enter}); it is left when the read settles,
 *   in the same promise step as the result.
 */
export function readThrough(
  context: TieredContext,
  key: string,
  firstFailure: BackendError | undefined,
  trace?: OperationTraceContext,
  runner?: TieredOperationRunner,
): Promise<Uint8Array | undefined> {
  if (context.tiers.length === 1) {
    try {
      return Promise.resolve(
        settleRead(context, key, { value: undefined, failures: [] }, firstFailure, trace),
      );
    } catch (error) {
      return Promise.reject(error);
    } finally {
      runner?.leave();
    }
  }
  // `then` rather than an async frame: one promise step on every L2 hit.
  return context.flights
    .run(key, (flight) => readBelow(context, key, flight))
    .then(
      (outcome) => {
        try {
          return settleRead(context, key, outcome, firstFailure, trace);
        } finally {
          runner?.leave();
        }
      },
      (error: unknown) => {
        runner?.leave();
        throw error;
      },
    );
}

/**
 * What one caller of {@link readThrough} gets from the (shared) outcome: its
 * own copy of the bytes, or the read policy's verdict on a miss (a throw).
 * Synchronous, so a `then` callback returning it adds no promise step.
 */
function settleRead(
  context: TieredContext,
  key: string,
  outcome: ReadOutcome,
  firstFailure: BackendError | undefined,
  trace: OperationTraceContext | undefined,
): Uint8Array | undefined {
  if (outcome.value !== undefined) {
    if (outcome.source !== undefined) traceAnswer(trace, outcome.source);
    if (outcome.firstMayOwn === true) {
      outcome.firstMayOwn = false;
      return outcome.value;
    }
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
    const result =
      tier.index === 0
        ? await tier.attempt('getMany', undefined, async () =>
            (await tier.getMany(asked)).map(toHit),
          )
        : await tier.readManyWithTtl(asked);
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
      found.set(key, hit.value);
      if (tier.index === 0) return;
      const backfilled = startBackfill(context, key, hit, tier, started, isStale, undefined);
      if (backfilled !== undefined) backfills.push(backfilled);
      // A background backfill still reads these bytes: the caller gets a copy.
      else found.set(key, Buffer.from(hit.value));
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
