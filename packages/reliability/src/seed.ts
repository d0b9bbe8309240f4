/** The seed used in CI when `RELIABILITY_SEED` is not set. */
export const DEFAULT_SEED = 20_261_203;

/**
 * The campaign seed: `RELIABILITY_SEED` from the environment (decimal or
 * `0x` hex), else `fallback` (the fixed CI seed by default). Throws a
 * `TypeError` naming the variable when it is set but not a 32-bit integer.
 */
export function seedFromEnvironment(fallback = DEFAULT_SEED): number {
  const raw = process.env.RELIABILITY_SEED;
  if (raw === undefined || raw === '') return fallback;
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new TypeError(`RELIABILITY_SEED must be an integer 0 – 4294967295, got ${raw}`);
  }
  return seed;
}

/** A fresh seed for rotating long runs, from the clock and the process id. */
export function rotatingSeed(): number {
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}
