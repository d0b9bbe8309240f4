/** Backoff settings for {@link retryUntil}. */
export interface RetryUntilOptions {
  /**
   * First delay between attempts, in ms.
   * @default 5
   */
  initialDelayMs?: number;
  /**
   * Largest delay between attempts, in ms.
   * @default 100
   */
  maxDelayMs?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `attempt` until it resolves something other than `undefined` or
 * `waitMs` has passed. Between attempts it sleeps a randomized, growing delay
 * (full jitter), never past the deadline; the last attempt runs at the
 * deadline, so the wait is never late and at most one delay early.
 * With `waitMs` 0 it makes exactly one attempt.
 * @param waitMs - how long to keep trying, in ms.
 */
export async function retryUntil<T>(
  attempt: () => Promise<T | undefined>,
  waitMs: number,
  options: RetryUntilOptions = {},
): Promise<T | undefined> {
  const initialDelayMs = options.initialDelayMs ?? 5;
  const maxDelayMs = options.maxDelayMs ?? 100;
  const deadline = performance.now() + waitMs;
  let ceiling = initialDelayMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return undefined;
    const delay = Math.min(remaining, ceiling / 2 + (Math.random() * ceiling) / 2);
    ceiling = Math.min(maxDelayMs, ceiling * 2);
    await sleep(Math.max(1, Math.ceil(delay)));
  }
}
