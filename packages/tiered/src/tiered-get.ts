import {
  type BackendError,
  closedError,
  LOCAL_READ,
  LOCAL_READ_UNAVAILABLE,
  type OperationTraceContext,
  toBackendError,
} from '@cachestack/core';
import type { Tier } from './tier.js';
import { readThrough } from './tier-reads.js';
import { type TieredContext, traceAnswer } from './tiered-context.js';
import type { DeclinedL1Miss } from './tiered-local-read.js';
import type { TieredOperationRunner } from './tiered-operation-runner.js';

/**
 * `TieredBackend.get` after the key check: L1 first, on its hottest path
 * (an in-process L1 answering synchronously: no extra promise step; any
 * other L1: one `then`), then {@link readThrough} on a miss or an L1
 * failure. Internal to the package.
 * @param misses - an L1 miss just read by a declined local read (not read again).
 * @param trace - the traced call's context, told which tier answered.
 */
export function getThrough(
  runner: TieredOperationRunner,
  context: TieredContext,
  misses: DeclinedL1Miss,
  key: string,
  trace: OperationTraceContext | undefined,
): Promise<Uint8Array | undefined> {
  if (runner.closed) return Promise.reject(closedError('get', 'tiered', key));
  const first = context.tiers[0] as Tier;
  if (!first.breaker.isClosed || runner.timeouts.limitFor('get') !== undefined) {
    return guardedGet(runner, context, key, trace);
  }
  // Hottest path: an in-process L1 answers synchronously, no extra promise step.
  const local = first.localRead;
  if (local !== undefined) {
    // The local read that declined this key just read L1 (and told its breaker): read through.
    if (misses.take(key, context))
      return countedReadThrough(runner, context, key, undefined, trace);
    let value: Uint8Array | undefined | typeof LOCAL_READ_UNAVAILABLE;
    try {
      value = local[LOCAL_READ](key);
    } catch (error) {
      return afterL1Failure(runner, context, key, error, trace);
    }
    if (value !== LOCAL_READ_UNAVAILABLE) {
      first.breaker.onSuccess();
      if (value !== undefined) {
        if (trace !== undefined) traceAnswer(trace, first);
        return Promise.resolve(value);
      }
      return countedReadThrough(runner, context, key, undefined, trace);
    }
  }
  // Hot path: one L1 call and one `then`; nothing else on a hit.
  let pending: Promise<Uint8Array | undefined>;
  try {
    pending = first.backend.get(key);
  } catch (error) {
    return afterL1Failure(runner, context, key, error, trace);
  }
  return pending.then(
    (value) => {
      first.breaker.onSuccess();
      if (value === undefined) return countedReadThrough(runner, context, key, undefined, trace);
      if (trace !== undefined) traceAnswer(trace, first);
      return value;
    },
    (error: unknown) => afterL1Failure(runner, context, key, error, trace),
  );
}

function afterL1Failure(
  runner: TieredOperationRunner,
  context: TieredContext,
  key: string,
  error: unknown,
  trace: OperationTraceContext | undefined,
): Promise<Uint8Array | undefined> {
  const failure = toBackendError(error, 'get', key);
  (context.tiers[0] as Tier).breaker.onFailure(failure);
  return countedReadThrough(runner, context, key, failure, trace);
}

/** {@link readThrough}, counted as in flight on `runner` until it settles. */
function countedReadThrough(
  runner: TieredOperationRunner,
  context: TieredContext,
  key: string,
  failure: BackendError | undefined,
  trace: OperationTraceContext | undefined,
): Promise<Uint8Array | undefined> {
  runner.enter();
  return readThrough(context, key, failure, trace, runner);
}

/** `get` when L1's circuit is not closed or a time limit applies. */
function guardedGet(
  runner: TieredOperationRunner,
  context: TieredContext,
  key: string,
  trace: OperationTraceContext | undefined,
): Promise<Uint8Array | undefined> {
  return runner.guarded('get', key, async () => {
    const first = context.tiers[0] as Tier;
    const result = await first.attempt('get', key, (backend) => backend.get(key));
    if (result.ok && result.value !== undefined) {
      traceAnswer(trace, first);
      return result.value;
    }
    return readThrough(context, key, result.ok ? undefined : result.error, trace);
  });
}
