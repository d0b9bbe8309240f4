import { toBackendError } from '@cachestack/core';
import type { CircuitState } from './circuit-breaker.js';
import { InvalidationLink } from './invalidation-link.js';
import { InvalidationListeners } from './invalidation-listeners.js';
import { dropLocalTiers } from './local-tier-invalidation.js';
import { SingleFlight } from './single-flight.js';
import { Tier } from './tier.js';
import type { ResolvedTieredOptions, TierFailureEvent } from './tiered-backend-options.js';
import type { ReadOutcome, TieredContext } from './tiered-context.js';
import { logAbsorbedFailure, logLocalDrop } from './tiered-logging.js';
import type { TieredOperationRunner } from './tiered-operation-runner.js';

/**
 * Everything a tiered backend runs on besides its operations: the tiers
 * (a local tier is dropped when its circuit closes again), the
 * {@link TieredContext} the read and write algorithms share, absorbed
 * failures (counted, logged, `onDegraded`), background work `close()` waits
 * for, the invalidation link and the shutdown order. Internal to the package.
 */
export class TieredRuntime {
  /** The tiers, L1 first; the last one is authoritative. */
  readonly tiers: readonly Tier[];
  /** The state shared with the read and write algorithms. */
  readonly context: TieredContext;
  /** The `onInvalidate` listeners. */
  readonly listeners: InvalidationListeners;
  readonly #options: ResolvedTieredOptions;
  readonly #runner: TieredOperationRunner;
  readonly #localTiers: readonly Tier[];
  readonly #flights = new SingleFlight<ReadOutcome>();
  readonly #background = new Set<Promise<void>>();
  readonly #link: InvalidationLink | undefined;
  #absorbed = 0;

  /** Builds the tiers and, when `invalidation` is set, subscribes to the bus. */
  constructor(options: ResolvedTieredOptions, runner: TieredOperationRunner) {
    this.#options = options;
    this.#runner = runner;
    this.tiers = options.tiers.map(
      (settings) =>
        new Tier(
          settings,
          (from, to) => this.#onCircuitChange(settings.index, from, to),
          options.logger,
        ),
    );
    this.#localTiers = this.tiers.filter((tier) => tier.local);
    const listeners = new InvalidationListeners(options.logger);
    this.listeners = listeners;
    this.context = {
      tiers: this.tiers,
      readPolicy: options.readPolicy,
      backfillTtlMs: options.backfillTtlMs,
      flights: this.#flights,
      writeEpoch: () => this.#flights.generation,
      markWritten: (keys) => this.#flights.markWritten(keys),
      report: (event) => this.#report(event),
      logger: options.logger,
      publish: async (kind, keys) => this.#link?.publish(kind, keys),
      track: (work) => runner.counted(work),
      invalidated: (event) => listeners.notify(event),
    };
    this.#link =
      options.invalidation === undefined
        ? undefined
        : new InvalidationLink(options.invalidation, this.context, this.#localTiers, (work) =>
            this.#track(work),
          );
  }

  /** Tier failures absorbed so far (degraded reads, failed backfills, …). */
  get absorbedFailures(): number {
    return this.#absorbed;
  }

  /** Resolves once the invalidation subscription (if any) is active or has failed (reported). */
  async ready(): Promise<void> {
    await this.#link?.ready();
  }

  /**
   * Stops the invalidation subscription, waits for the operations in flight
   * and background work, then closes the tiers when `closeTiers`.
   * @param drained - settles once the operations in flight have.
   */
  async shutdown(drained: Promise<void>): Promise<void> {
    await this.#link?.stop();
    // Let operations in flight finish on open tiers (each is bounded by its tiers' own timeouts).
    await drained;
    await Promise.all([...this.#background]);
    if (!this.#options.closeTiers) return;
    const results = await Promise.allSettled(this.tiers.map((tier) => tier.backend.close()));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw toBackendError(failed.reason, 'close');
  }

  #report(event: TierFailureEvent): void {
    this.#absorbed += 1;
    logAbsorbedFailure(this.#options.logger, event);
    try {
      this.#options.onDegraded?.(event);
    } catch {
      // A throwing listener must not break the cache.
    }
  }

  #track(work: Promise<void>): Promise<void> {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
    return work;
  }

  #onCircuitChange(index: number, from: CircuitState, to: CircuitState): void {
    const tier = this.tiers[index];
    if (tier === undefined || to !== 'closed' || from === 'closed' || this.#runner.closed) return;
    if (!tier.local || tier === this.tiers[this.tiers.length - 1]) return;
    logLocalDrop(this.#options.logger, [tier.name], 'recover');
    void this.#track(dropLocalTiers(this.context, [tier], 'recover'));
  }
}
