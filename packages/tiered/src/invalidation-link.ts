import { type InvalidationMessage, toBackendError } from '@cachestack/core';
import { applyInvalidation, dropLocalTiers } from './local-tier-invalidation.js';
import type { Tier } from './tier.js';
import type { TieredInvalidationOptions } from './tiered-backend-options.js';
import type { TieredContext } from './tiered-context.js';
import { logLocalDrop } from './tiered-logging.js';

/**
 * Connects one tiered instance to an invalidation bus: publishes its writes
 * (keys only, never values) and applies other instances' messages to its
 * local tiers. Internal to the package.
 */
export class InvalidationLink {
  readonly #options: Required<TieredInvalidationOptions>;
  readonly #context: TieredContext;
  readonly #localTiers: readonly Tier[];
  readonly #track: (work: Promise<void>) => Promise<void>;
  readonly #subscription: Promise<(() => Promise<void>) | undefined>;
  #stopped = false;

  /**
   * Subscribes right away.
   * @param track - registers background work so `close()` can wait for it.
   */
  constructor(
    options: Required<TieredInvalidationOptions>,
    context: TieredContext,
    localTiers: readonly Tier[],
    track: (work: Promise<void>) => Promise<void>,
  ) {
    this.#options = options;
    this.#context = context;
    this.#localTiers = localTiers;
    this.#track = track;
    this.#subscription = this.#subscribe();
  }

  /** Resolves once the subscription is active (or failed, which is reported). */
  async ready(): Promise<void> {
    await this.#subscription;
  }

  /** Publishes a message about `keys` (or a clear); never rejects, failures are reported. */
  async publish(kind: 'keys' | 'clear', keys?: readonly string[]): Promise<void> {
    const message: InvalidationMessage = {
      origin: this.#options.origin,
      namespace: this.#options.namespace,
      kind,
      keys: keys === undefined ? undefined : [...keys],
      sentAt: Date.now(),
    };
    try {
      await this.#options.bus.publish(message);
    } catch (error) {
      this.#context.report({ operation: 'publish', error: toBackendError(error, 'publish') });
    }
  }

  /** Stops delivering messages to this instance. Idempotent; never rejects. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const unsubscribe = await this.#subscription;
    await unsubscribe?.().catch(() => undefined);
  }

  async #subscribe(): Promise<(() => Promise<void>) | undefined> {
    try {
      return await this.#options.bus.subscribe({
        onMessage: (message) => this.#onMessage(message),
        onReconnect: () => {
          if (this.#stopped) return;
          logLocalDrop(
            this.#context.logger,
            this.#localTiers.map((tier) => tier.name),
            'reconnect',
          );
          void this.#track(dropLocalTiers(this.#context, this.#localTiers, 'reconnect'));
        },
      });
    } catch (error) {
      this.#context.report({ operation: 'subscribe', error: toBackendError(error, 'subscribe') });
      return undefined;
    }
  }

  /** Returns the work's promise so an in-process bus can wait for it. */
  #onMessage(message: InvalidationMessage): Promise<void> | undefined {
    if (this.#stopped || typeof message !== 'object' || message === null) return undefined;
    if (message.origin === this.#options.origin || message.namespace !== this.#options.namespace) {
      return undefined;
    }
    return this.#track(applyInvalidation(this.#context, this.#localTiers, message));
  }
}
