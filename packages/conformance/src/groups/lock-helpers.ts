import type { BackendWith, Lock } from '@cachestack/core';
import { describeValue, sleep, violation } from '../assertions.js';
import type { ConformanceHarness } from '../harness.js';

/** Lock TTL for cases that wait for a lock to expire, in ms. */
export const SHORT_LOCK_MS = 300;
/** Lock TTL for cases where the lock must not expire, in ms. */
export const LONG_LOCK_MS = 30_000;

/** A backend with the lock capability. */
export type Locking = BackendWith<'lock'>;

/** Acquires `key` or fails with `rule`. */
export async function mustAcquire(
  backend: Locking,
  key: string,
  ttlMs: number,
  rule: string,
  waitMs = 0,
): Promise<Lock> {
  const lock = await backend.acquireLock(key, { ttlMs, waitMs });
  if (lock === undefined) violation(rule, `acquireLock(${describeValue(key)}) resolved undefined`);
  return lock;
}

/** Fails with `rule` when `key` can be acquired (and releases it). */
export async function mustNotAcquire(backend: Locking, key: string, rule: string): Promise<void> {
  const lock = await backend.acquireLock(key, { ttlMs: LONG_LOCK_MS, waitMs: 0 });
  if (lock !== undefined) {
    await lock.release();
    violation(rule, `acquireLock(${describeValue(key)}) got the lock while it should be held`);
  }
}

/** Estimated random bits in a token: 4 per hex digit, 6 per base64 character. */
export function tokenBits(token: string): number {
  const compact = token.replaceAll('-', '');
  if (/^[0-9a-f]+$/i.test(compact)) return compact.length * 4;
  if (/^[A-Za-z0-9+/_-]+=*$/.test(token)) return token.replace(/=+$/, '').length * 6;
  return token.length * 4;
}

/** Resolves once a lock taken at `startedAt` with {@link SHORT_LOCK_MS} must have expired. */
export async function waitForLockExpiry(startedAt: number, h: ConformanceHarness): Promise<void> {
  const remaining = startedAt + SHORT_LOCK_MS + h.slackMs + 30 - performance.now();
  if (remaining > 0) await sleep(remaining);
}
