/**
 * The last `size` latencies of one operation kind, in ms, and the time
 * limit derived from them: percentile × factor, clamped to [floor, ceiling].
 * Recomputed every few samples (sorting a copy), so the hot path is an
 * array write. Internal to the package.
 */
export class LatencyWindow {
  readonly #samples: Float64Array;
  readonly #settings: LimitSettings;
  #count = 0;
  #next = 0;
  #sinceUpdate = 0;
  #limit: number;

  constructor(settings: LimitSettings) {
    this.#settings = settings;
    this.#samples = new Float64Array(settings.windowSize);
    this.#limit = settings.ceilingMs;
  }

  /** The limit in ms for the next operation: the ceiling until `minSamples` were recorded. */
  get limitMs(): number {
    return this.#limit;
  }

  /** How many samples the window holds. */
  get size(): number {
    return this.#count;
  }

  /** Adds one latency in ms. */
  record(ms: number): void {
    const samples = this.#samples;
    samples[this.#next] = ms;
    this.#next = (this.#next + 1) % samples.length;
    if (this.#count < samples.length) this.#count += 1;
    this.#sinceUpdate += 1;
    if (this.#count >= this.#settings.minSamples && this.#sinceUpdate >= UPDATE_EVERY) {
      this.#sinceUpdate = 0;
      this.#limit = this.#compute();
    }
  }

  #compute(): number {
    const { percentile, factor, floorMs, ceilingMs } = this.#settings;
    const sorted = this.#samples.slice(0, this.#count).sort();
    const index = Math.min(sorted.length - 1, Math.ceil(percentile * sorted.length) - 1);
    const observed = (sorted[Math.max(0, index)] as number) * factor;
    return Math.min(ceilingMs, Math.max(floorMs, Math.ceil(observed)));
  }
}

/** Recompute the limit after this many new samples. */
const UPDATE_EVERY = 8;

/** How a {@link LatencyWindow} turns latencies into a limit. */
export interface LimitSettings {
  percentile: number;
  factor: number;
  floorMs: number;
  ceilingMs: number;
  windowSize: number;
  minSamples: number;
}
