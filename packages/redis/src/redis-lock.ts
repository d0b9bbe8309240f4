import {
  closedError,
  createLockHandle,
  createLockToken,
  type Lock,
  retryUntil,
} from '@cachestack/core';
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
  const { ops, client, locks, key, lockKey, ttlMs, waitMs } = options;
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
      if (performance.now() - started < ttlMs) return candidate;
      await locks.cachestackReleaseLock(lockKey, candidate).catch(() => undefined);
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
