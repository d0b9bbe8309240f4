import type { BaseBackend } from '@cachestack/core';
import { check, describeValue, sleep } from './assertions.js';

/** TTL used by expiry cases, in ms: long enough to read before it passes on a busy machine. */
export const SHORT_TTL_MS = 300;

/** Resolves once an entry set with `ttlMs` at `startedAt` (performance.now()) must have expired. */
export async function waitPastExpiry(
  startedAt: number,
  ttlMs: number,
  slackMs: number,
): Promise<void> {
  const due = startedAt + ttlMs + slackMs + 30;
  const remaining = due - performance.now();
  if (remaining > 0) await sleep(remaining);
}

/**
 * Checks that `key` is readable, when the read finished before `ttlMs` had
 * passed since `startedAt` (when the machine was too slow to tell, the
 * check is a no-op rather than a false failure).
 */
export async function expectPresentBeforeExpiry(
  backend: BaseBackend,
  key: string,
  startedAt: number,
  ttlMs: number,
  rule: string,
): Promise<void> {
  const got = await backend.get(key);
  if (performance.now() - startedAt < ttlMs) {
    check(
      got !== undefined,
      rule,
      `key ${describeValue(key)} was missing before its ttl of ${ttlMs} ms passed`,
    );
  }
}

/** Checks that `key` is invisible to get and exists. */
export async function expectGone(backend: BaseBackend, key: string, rule: string): Promise<void> {
  const got = await backend.get(key);
  check(
    got === undefined,
    `${rule} (get)`,
    `get of ${describeValue(key)} returned ${describeValue(got)}`,
  );
  const exists = await backend.exists(key);
  check(
    exists === false,
    `${rule} (exists)`,
    `exists of ${describeValue(key)} returned ${String(exists)}`,
  );
}

/** TTL of the "late in its life" checks, in ms: read at {@link LATE_READ_SHARE} of it. */
export const LATE_TTL_MS = 1_000;

/** The share of its ttl after which an entry is read by {@link expectAliveLateInLife}. */
export const LATE_READ_SHARE = 0.7;

/**
 * Checks that an entry written at `startedAt` (performance.now(), taken
 * before the write began) with `ttlMs` is still there late in its life: waits
 * until {@link LATE_READ_SHARE} of the ttl has passed, then reads it with
 * `read` (true: present). Catches entries that expire early (e.g. at half
 * their ttl). When the read finished too close to the expiry to tell (a slow
 * machine), the check is a no-op rather than a false failure.
 */
export async function expectAliveLateInLife(
  read: () => Promise<boolean>,
  startedAt: number,
  ttlMs: number,
  rule: string,
): Promise<void> {
  const due = startedAt + ttlMs * LATE_READ_SHARE;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
  const alive = await read();
  const elapsed = performance.now() - startedAt;
  if (elapsed < ttlMs - 20) {
    check(
      alive,
      rule,
      `the entry was gone ${Math.round(elapsed)} ms into its ttl of ${ttlMs} ms: it expired early`,
    );
  }
}

/** Attempts of {@link expectFractionRoundsUp}, and how many fast ones it needs to judge. */
const FRACTION_ATTEMPTS = 200;
const FRACTION_FAST_ATTEMPTS_NEEDED = 10;
/** A write and read finishing within this many ms count as fast enough to judge a 1 ms ttl. */
const FRACTION_FAST_MS = 0.3;

/**
 * Checks that a 0.4 ms ttl rounds up to 1 ms rather than down to 0 (expired
 * at once): writes with `write(0.4)` and reads at once with `read`, up to
 * 200 times, until a read sees the entry. An attempt counts only when write
 * and read together took under 0.3 ms, so a correct backend (the entry lives
 * for the rest of the current millisecond at least) misses every one of ten
 * such attempts with probability under 0.3^10; a store too slow for any
 * attempt to count cannot be judged, and passes.
 */
export async function expectFractionRoundsUp(
  write: (ttlMs: number) => Promise<void>,
  read: () => Promise<boolean>,
  rule: string,
): Promise<void> {
  let fast = 0;
  for (let attempt = 0; attempt < FRACTION_ATTEMPTS; attempt++) {
    const started = performance.now();
    await write(0.4);
    const alive = await read();
    if (alive) return;
    if (performance.now() - started < FRACTION_FAST_MS) fast++;
  }
  check(
    fast < FRACTION_FAST_ATTEMPTS_NEEDED,
    rule,
    `an entry with a ttl of 0.4 ms was gone at once in ${fast} writes read back within ${FRACTION_FAST_MS} ms: the ttl was rounded down to 0, not up to 1 ms`,
  );
}
