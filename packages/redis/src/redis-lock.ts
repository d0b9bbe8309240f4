import {
  closedError,
  createLockHandle,
  createLockToken,
  type Lock,
  type Logger,
  logSafely,
  retryUntil,
} from '@cachestack/core';
import { describe } from './connection-state.js';
import type { RedisClient } from './create-redis-client.js';
import type { LockCommands } from './lock-commands.js';
import type { OperationRunner } from './operation-runner.js';

/** What {@link acquireRedisLock} needs. */
export interface AcquireRedisLockOptions {
  ops: OperationRunner;
  client: RedisClient;
  locks: LockCommands;
  /** The user's key (as the lock handle reports it). */
  key: string;
  /** The Redis key of the lock. */
  lockKey: string;
  /** Validated lifetime in whole ms. */
  ttlMs: number;
  /** Validated wait in whole ms (0: one try). */
  waitMs: number;
  /** Where lock anomalies go (a slow acquisition released, a failed release). */
  logger: Logger;
  /** Added to every log entry (backend type, namespace, endpoint). */
  logFields: Record<string, unknown>;
}

/**
 * Takes a lock: `SET lockKey token NX PX ttlMs` with a fresh 128-bit CSPRNG
 * token, retried with jittered growing delays ({@link retryUntil}) until
 * `waitMs` has passed. An acquisition that itself took `ttlMs` or longer
 * counts as failed (the lock may already have expired); it is released
 * and retried. The handle releases and extends with the Lua
 * compare-and-delete / compare-and-pexpire scripts, so only this token can.
 * Not fencing-safe.
 */
export async function acquireRedisLock(
  options: AcquireRedisLockOptions,
): Promise<Lock | undefined> {
  const { ops, client, locks, key, lockKey, ttlMs, waitMs, logger, logFields } = options;
  ops.enter('acquireLock', key);
  let token: string | undefined;
  try {
    token = await retryUntil(async () => {
      // A wait that outlives close() stops at the next attempt.
      if (ops.closed) throw closedError('acquireLock', 'redis', key);
      const candidate = createLockToken();
      const started = performance.now();
      const reply = await ops.exec('acquireLock', key, () =>
        client.set(lockKey, candidate, 'PX', ttlMs, 'NX'),
      );
      if (reply !== 'OK') return undefined;
      const tookMs = performance.now() - started;
      if (tookMs < ttlMs) return candidate;
      logSafely(
        logger,
        'warn',
        { ...logFields, key, ttlMs, tookMs: Math.round(tookMs) },
        'lock acquired too late (the round trip outlasted ttlMs): released, not handed out',
      );
      await locks.cachestackReleaseLock(lockKey, candidate).catch((error: unknown) => {
        logSafely(
          logger,
          'warn',
          { ...logFields, key, error: describe(error) },
          'releasing a late lock failed; it expires by its TTL',
        );
      });
      return undefined;
    }, waitMs);
  } finally {
    ops.leave();
  }
  if (token === undefined) return undefined;
  const acquired = token;
  return createLockHandle({
    key,
    token: acquired,
    release: async () =>
      (await ops.run('releaseLock', key, () => locks.cachestackReleaseLock(lockKey, acquired))) ===
      1,
    extend: async (ms) =>
      (await ops.run('extendLock', key, () =>
        locks.cachestackExtendLock(lockKey, acquired, ms),
      )) === 1,
  });
}
