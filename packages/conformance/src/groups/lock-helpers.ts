import type { BackendWith, Lock } from '@cachestack/core';
import { check, describeValue, sleep, violation } from '../assertions.js';
import type { ConformanceCase } from '../conformance-case.js';
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

/** Fails with `rule` unless a lock's `release()` or `extend()` resolves `expected`. */
export async function mustResolve(
  result: Promise<boolean>,
  expected: boolean,
  rule: string,
): Promise<void> {
  check((await result) === expected, rule, `it resolved ${String(!expected)}`);
}

/** Acquires `key` for {@link LONG_LOCK_MS} (or fails with `rule`), then releases it. */
export async function mustAcquireAndRelease(
  backend: Locking,
  key: string,
  rule: string,
): Promise<void> {
  const lock = await mustAcquire(backend, key, LONG_LOCK_MS, rule);
  await lock.release();
}

/** What the body of a {@link heldLockCase} starts with. */
export interface HeldLock {
  /** A fresh backend with the lock capability. */
  backend: Locking;
  /** The lock on `job` it holds. */
  lock: Lock;
  /** `performance.now()` just before the lock was acquired. */
  acquiredAt: number;
}

/**
 * A lock case that creates a backend and acquires the free lock `job` for
 * `ttlMs` ("a free lock must be acquired"), then runs `body` with them;
 * `why` is the case's reason for the catalogue.
 */
export function heldLockCase(
  name: string,
  why: string,
  ttlMs: number,
  body: (held: HeldLock, h: ConformanceHarness) => Promise<void>,
): ConformanceCase {
  return {
    name,
    why,
    run: async (h) => {
      const backend = await h.createWith('lock');
      const acquiredAt = performance.now();
      const lock = await mustAcquire(backend, 'job', ttlMs, 'a free lock must be acquired');
      await body({ backend, lock, acquiredAt }, h);
    },
  };
}
