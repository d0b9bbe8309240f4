import { assertValidKey, LOCAL_READ, LOCAL_READ_UNAVAILABLE } from '@cachestack/core';
import type { Tier } from './tier.js';
import type { TieredContext } from './tiered-context.js';
import type { TieredOperationRunner } from './tiered-operation-runner.js';

/**
 * The L1 miss that a local read just declined, so that the `get` its caller
 * makes next (in the same synchronous turn, as core's local-read protocol
 * expects) goes straight to the lower tiers instead of reading L1 a second
 * time: a miss then counts once in L1 (its recency and frequency records,
 * e.g. a TinyLFU sketch) and once in the breaker, exactly as one `get`.
 * Forgotten at the end of the turn, when taken, and when a write, delete or
 * clear started since (the write epoch moved). Internal to the package.
 */
export class DeclinedL1Miss {
  #key: string | undefined = undefined;
  #epoch = 0;
  #scheduled = false;
  readonly #forget = (): void => {
    this.#key = undefined;
    this.#scheduled = false;
  };

  /** Records that L1 missed `key` at write epoch `epoch`, until the end of this turn. */
  remember(key: string, epoch: number): void {
    this.#key = key;
    this.#epoch = epoch;
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#forget);
  }

  /**
   * True (once) when L1 was just read for `key` and missed, and nothing was
   * written since (`context.writeEpoch()` unchanged): the caller may skip
   * reading L1 again.
   */
  take(key: string, context: TieredContext): boolean {
    if (this.#key !== key) return false;
    this.#key = undefined;
    return this.#epoch === context.writeEpoch();
  }
}

/**
 * `TieredBackend[LOCAL_READ]`: an L1 hit, answered synchronously exactly as
 * the hottest path of `get` would (the L1's own copy of the bytes, its
 * breaker told of the success), or `LOCAL_READ_UNAVAILABLE` whenever `get`
 * would do anything more: a tracing subscriber on `cachestack:tiered`, a
 * closed backend, a time limit on `get`, L1's circuit not closed, an L1
 * without the protocol or declining it, an L1 failure, or an L1 miss (the
 * lower tiers must be asked; see {@link DeclinedL1Miss}).
 * @throws BackendError `INVALID_KEY`, as `get` would reject.
 */
export function readL1Now(
  runner: TieredOperationRunner,
  context: TieredContext,
  misses: DeclinedL1Miss,
  key: string,
): Uint8Array | undefined | typeof LOCAL_READ_UNAVAILABLE {
  // Traced calls must reach `get`, which traces them (even an invalid key).
  if (runner.tracer.active) return LOCAL_READ_UNAVAILABLE;
  assertValidKey(key, 'get');
  const first = context.tiers[0] as Tier;
  const local = first.localRead;
  if (
    local === undefined ||
    runner.closed ||
    !first.breaker.isClosed ||
    runner.timeouts.limitFor('get') !== undefined
  ) {
    return LOCAL_READ_UNAVAILABLE;
  }
  let value: Uint8Array | undefined | typeof LOCAL_READ_UNAVAILABLE;
  try {
    value = local[LOCAL_READ](key);
  } catch {
    // `get` reads L1 again, records the failure in its breaker and reads through.
    return LOCAL_READ_UNAVAILABLE;
  }
  if (value === LOCAL_READ_UNAVAILABLE) return value;
  first.breaker.onSuccess();
  if (value !== undefined) return value;
  misses.remember(key, context.writeEpoch());
  return LOCAL_READ_UNAVAILABLE;
}
