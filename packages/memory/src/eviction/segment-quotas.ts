import type { EntryStoreLimits } from '../entry-store.js';

/**
 * Largest share of the cache the window grows to: nearly all of it (nearly
 * plain LRU), leaving a main part whose evictions keep telling the window
 * tuner whether a smaller window would do better.
 */
export const MAX_WINDOW_FRACTION = 0.99;

/**
 * How much of a W-TinyLFU store's limits its window and protected segments
 * may hold, derived from the window's share (which the window tuner moves).
 * Probation takes what is left. `Infinity` where the store has no limit.
 */
export class SegmentQuotas {
  /** The window's share of the limits, 0 to {@link MAX_WINDOW_FRACTION}. */
  windowFraction = 0;
  /** Most entries in the window (at least 1 with an entry limit). */
  windowMaxEntries = 0;
  /** Most bytes in the window. */
  windowMaxBytes = 0;
  /** Most entries in the protected segment. */
  protectedMaxEntries = 0;
  /** Most bytes in the protected segment. */
  protectedMaxBytes = 0;
  readonly #limits: EntryStoreLimits;
  readonly #protectedFraction: number;

  /**
   * @param protectedFraction - share of the main part (all but the window) kept for protected entries, 0–1.
   * @param windowFraction - the window's share at first, 0–1.
   */
  constructor(limits: EntryStoreLimits, protectedFraction: number, windowFraction: number) {
    this.#limits = limits;
    this.#protectedFraction = protectedFraction;
    this.setWindowFraction(windowFraction);
  }

  /** Gives the window `fraction` of the limits (clamped), and the protected segment its share of the rest. */
  setWindowFraction(fraction: number): void {
    const { maxEntries, maxBytes } = this.#limits;
    const share = Math.min(MAX_WINDOW_FRACTION, Math.max(0, fraction));
    this.windowFraction = share;
    this.windowMaxEntries = Number.isFinite(maxEntries)
      ? Math.max(1, Math.round(maxEntries * share))
      : maxEntries;
    this.windowMaxBytes = Number.isFinite(maxBytes) ? maxBytes * share : maxBytes;
    this.protectedMaxEntries = Number.isFinite(maxEntries)
      ? Math.floor((maxEntries - this.windowMaxEntries) * this.#protectedFraction)
      : maxEntries;
    this.protectedMaxBytes = Number.isFinite(maxBytes)
      ? (maxBytes - this.windowMaxBytes) * this.#protectedFraction
      : maxBytes;
  }
}
