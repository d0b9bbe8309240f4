/** Share of the cache by which the window grows or shrinks at first, and again after a big change. */
export const CLIMBER_STEP = 0.0625;
/** A change in hit ratio this large between samples restarts the climb with a full step. */
const RESTART_THRESHOLD = 0.05;
/** Each step is this much smaller than the one before, so the window settles. */
const STEP_DECAY = 0.98;

/**
 * Hill climbing for the window's share of a W-TinyLFU cache: after every
 * sample of requests it compares the hit ratio with the previous sample's,
 * keeps moving the window size in the same direction while the hit ratio
 * improves and turns back when it drops. Recency-heavy workloads push the
 * window up (towards LRU), frequency-heavy ones push it down.
 */
export class WindowClimber {
  #hits = 0;
  #misses = 0;
  #previousHitRatio = 0;
  #step = CLIMBER_STEP;

  /** Counts one request. */
  record(hit: boolean): void {
    if (hit) this.#hits++;
    else this.#misses++;
  }

  /** Requests counted in the current sample. */
  get requests(): number {
    return this.#hits + this.#misses;
  }

  /**
   * Ends the current sample and returns how much to add to the window's
   * share (negative: shrink it).
   */
  adjustment(): number {
    const requests = this.#hits + this.#misses;
    if (requests === 0) return 0;
    const hitRatio = this.#hits / requests;
    const change = hitRatio - this.#previousHitRatio;
    const amount = change >= 0 ? this.#step : -this.#step;
    this.#step =
      Math.abs(change) >= RESTART_THRESHOLD
        ? amount >= 0
          ? CLIMBER_STEP
          : -CLIMBER_STEP
        : amount * STEP_DECAY;
    this.#previousHitRatio = hitRatio;
    this.#hits = 0;
    this.#misses = 0;
    return amount;
  }
}
