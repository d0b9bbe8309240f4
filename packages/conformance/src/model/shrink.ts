/** Limits of one {@link shrink} run. */
export interface ShrinkBudget {
  /** Most candidate runs. @default 200 */
  maxAttempts?: number;
  /** Stop trying after this epoch ms. @default no limit */
  deadline?: number;
}

/**
 * Shortens a failing sequence by dropping items while it still fails
 * (halving chunk sizes down to single items, like a simple delta debugging
 * pass). Returns the shortest failing sequence found within the budget; the
 * input itself when nothing could be dropped.
 * @param stillFails - replays a candidate on a fresh store; true when it fails the same way.
 */
export async function shrink<T>(
  items: readonly T[],
  stillFails: (candidate: T[]) => Promise<boolean>,
  budget: ShrinkBudget = {},
): Promise<T[]> {
  const maxAttempts = budget.maxAttempts ?? 200;
  const deadline = budget.deadline ?? Number.POSITIVE_INFINITY;
  let current = [...items];
  let attempts = 0;
  const exhausted = () => attempts >= maxAttempts || Date.now() > deadline;
  for (let chunk = Math.ceil(current.length / 2); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    let start = 0;
    while (start < current.length && !exhausted()) {
      const candidate = [...current.slice(0, start), ...current.slice(start + chunk)];
      attempts++;
      if (candidate.length > 0 && (await stillFails(candidate))) current = candidate;
      else start += chunk;
    }
    if (exhausted()) break;
  }
  return current;
}
