import { type Logger, logSafely } from '@cachestack/core';

/**
 * What a {@link TieredInvalidationListener} hears: the keys (or, for
 * `clear`, every key) that were just dropped from this instance's local
 * tiers because the outside world changed them.
 *
 * - `{ kind: 'keys', keys, reason: 'message' }`: an invalidation message from
 *   another instance named these keys.
 * - `{ kind: 'clear', reason }`: every local copy was dropped: a `clear`
 *   message (`'message'`), the bus reconnected and messages may have been
 *   missed (`'reconnect'`), or a local tier's circuit closed again after
 *   writes skipped it (`'recover'`).
 */
export type TieredInvalidationEvent =
  | { kind: 'keys'; keys: readonly string[]; reason: 'message' }
  | { kind: 'clear'; reason: 'message' | 'reconnect' | 'recover' };

/** Called after the local tiers dropped the keys of `event`. A throw is logged, never rethrown. */
export type TieredInvalidationListener = (event: TieredInvalidationEvent) => void;

/**
 * The listeners of `TieredBackend.onInvalidate`. Each is called in
 * subscription order; one that throws is logged (`warn`) and the others
 * still run. Internal to the package.
 */
export class InvalidationListeners {
  readonly #listeners = new Set<TieredInvalidationListener>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds `listener`; returns the function that removes it (idempotent). */
  add(listener: TieredInvalidationListener): () => void {
    // A wrapper per subscription, so the same function may be subscribed twice and removed once.
    const entry: TieredInvalidationListener = (event) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Tells every listener about `event`; never throws. */
  notify(event: TieredInvalidationEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        logSafely(
          this.#logger,
          'warn',
          {
            kind: event.kind,
            reason: event.reason,
            error: error instanceof Error ? error.message : String(error),
          },
          'an onInvalidate listener threw (ignored)',
        );
      }
    }
  }
}
