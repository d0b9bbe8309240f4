// What the facade's A/B benches share: quantiles, the printed spreads, a
// deterministic ASCII value, and two call loops timed in interleaved rounds.

/** The `q` quantile (nearest rank) of `values`. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** `median (p25–p75)` of `values`, 2 decimals. */
export const spread = (values) =>
  `${quantile(values, 0.5).toFixed(2)} (${quantile(values, 0.25).toFixed(2)}–${quantile(values, 0.75).toFixed(2)})`;

/** `median× (min–max)` of ratios. */
export const range = (values) =>
  `${quantile(values, 0.5).toFixed(2)}× (${quantile(values, 0).toFixed(2)}–${quantile(values, 1).toFixed(2)})`;

/** `100 B` / `10 KiB`. */
export const sizeLabel = (size) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);

/** A deterministic printable-ASCII string of `size` characters (as many UTF-8 bytes). */
export function asciiText(size) {
  let text = '';
  for (let i = 0; i < size; i++) text += String.fromCharCode(33 + ((i * 31 + 7) % 94));
  return text;
}

/** µs per call of `n` awaited calls of `fn(i)`. */
async function time(fn, n) {
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return ((performance.now() - started) * 1_000) / n;
}

/**
 * Warms both sides with `n` calls each, then times `n` awaited calls of each
 * per round for `rounds` rounds, alternating which side goes first (so
 * neither always runs after a GC). Returns µs per call per round: `[a, b]`.
 */
export async function interleaved(a, b, n, rounds) {
  for (let i = 0; i < n; i++) {
    await a(i);
    await b(i);
  }
  const aTimes = [];
  const bTimes = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      aTimes.push(await time(a, n));
      bTimes.push(await time(b, n));
    } else {
      bTimes.push(await time(b, n));
      aTimes.push(await time(a, n));
    }
  }
  return [aTimes, bTimes];
}
