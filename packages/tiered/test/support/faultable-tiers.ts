import type { ConformanceFaults } from '@cachestack/conformance';
import type { BaseBackend } from '@cachestack/core';
import { InstrumentedBackend } from './instrumented-backend.js';

/**
 * Fault hooks for the conformance kit on a tiered backend: every tier is a
 * real backend wrapped in an {@link InstrumentedBackend}; "the store is
 * away" means every tier is (a tiered cache keeps serving L1 hits while
 * only L2 is down, which is its purpose, not a fault).
 */
export class FaultableTiers {
  readonly #wrapped: InstrumentedBackend[] = [];
  #down = false;
  #delayMs: number | undefined;

  /** Wraps `backend` and remembers it for the hooks. */
  wrap(backend: BaseBackend): InstrumentedBackend {
    const wrapped = new InstrumentedBackend(backend);
    if (this.#down) wrapped.down.add('*');
    if (this.#delayMs !== undefined) wrapped.delays.set('*', this.#delayMs);
    this.#wrapped.push(wrapped);
    return wrapped;
  }

  /** The hooks; `extra` runs too (e.g. stopping a real server). */
  faults(extra: { down?: () => Promise<void>; up?: () => Promise<void> } = {}): ConformanceFaults {
    return {
      makeUnavailable: async () => {
        this.#down = true;
        for (const backend of this.#wrapped) backend.down.add('*');
        await extra.down?.();
      },
      makeAvailable: async () => {
        this.#down = false;
        await extra.up?.();
        for (const backend of this.#wrapped) backend.down.clear();
      },
      slowDown: async (delayMs) => {
        this.#delayMs = delayMs;
        for (const backend of this.#wrapped) backend.delays.set('*', delayMs);
      },
      restoreSpeed: async () => {
        this.#delayMs = undefined;
        for (const backend of this.#wrapped) backend.delays.clear();
      },
    };
  }

  /** Forgets closed backends (call from the kit's cleanup). */
  reset(): void {
    this.#wrapped.length = 0;
  }
}
