/**
 * Strict option checking: a misspelt option key (`maxEntires`, `namepsace`)
 * fails loudly instead of silently falling back to the default.
 */

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two strings. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[i - 1]?.[j] ?? 0) + 1,
        (d[i]?.[j - 1] ?? 0) + 1,
        (d[i - 1]?.[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[i - 2]?.[j - 2] ?? 0) + 1);
      }
      (d[i] as number[])[j] = best;
    }
  }
  return d[a.length]?.[b.length] ?? 0;
}

/**
 * The known name closest to `name`, or `undefined` when none is close enough
 * to be a plausible typo. Case differences count as nothing
 * (`defaultTtlMS` → `defaultTtlMs`); otherwise at most a third of the name's
 * length may differ (at least 1, at most 3 edits).
 */
export function closestName(name: string, knownNames: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of knownNames) {
    const distance = known.toLowerCase() === lower ? 0 : editDistance(lower, known.toLowerCase());
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/**
 * Throws a `TypeError` when `options` has an own key that is not in
 * `knownNames`, naming the key and suggesting the closest known one, e.g.
 * `MemoryBackend: unknown option "maxEntires" (did you mean "maxEntries"?)`.
 * Keys whose value is `undefined` are checked too: a typo is a typo.
 * Non-objects are left to the caller's own checks.
 *
 * @param options - the options object the caller passed.
 * @param knownNames - every option name the caller accepts.
 * @param where - who takes the options, shown first in the message (`FileBackend`).
 */
export function assertKnownOptions(
  options: unknown,
  knownNames: readonly string[],
  where: string,
): void {
  if (typeof options !== 'object' || options === null) return;
  const known = new Set(knownNames);
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    const suggestion = closestName(key, knownNames);
    const hint =
      suggestion === undefined
        ? `known options: ${knownNames.map((name) => `"${name}"`).join(', ')}`
        : `did you mean "${suggestion}"?`;
    throw new TypeError(`${where}: unknown option "${key}" (${hint})`);
  }
}
