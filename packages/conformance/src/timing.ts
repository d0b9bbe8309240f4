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
