import type { FrequencySketch } from './frequency-sketch.js';

/** Candidates at least this frequent are admitted now and then even when they lose. */
export const WARM_FREQUENCY = 6;

/**
 * TinyLFU's admission rule: a candidate replaces a victim only when the
 * frequency sketch says it was used more often recently.
 */
export class Admission {
  readonly #sketch: FrequencySketch;
  #random: number;

  /** @param seed - seed of the one-in-128 admission of a losing warm candidate (default: random). */
  constructor(sketch: FrequencySketch, seed?: number) {
    this.#sketch = sketch;
    this.#random = (seed ?? Math.random() * 2 ** 32) >>> 0 || 1;
  }

  /** True when the candidate (key hash `candidateHash`, from `hashKey`) should replace the victim (`victimHash`). */
  admits(candidateHash: number, victimHash: number): boolean {
    const candidateFrequency = this.#sketch.frequency(candidateHash);
    const victimFrequency = this.#sketch.frequency(victimHash);
    if (candidateFrequency > victimFrequency) return true;
    if (candidateFrequency < WARM_FREQUENCY) return false;
    // A warm candidate still gets in one time in 128 (xorshift32), so keys
    // crafted to collide with a victim's counters cannot pin it forever.
    let random = this.#random;
    random ^= random << 13;
    random ^= random >>> 17;
    random ^= random << 5;
    this.#random = random >>> 0 || 1;
    return (this.#random & 127) === 0;
  }
}
