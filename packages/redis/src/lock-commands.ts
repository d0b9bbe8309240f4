import type { RedisClient } from './create-redis-client.js';

/** Deletes KEYS[1] only if it holds the token ARGV[1]; returns 1 if deleted, else 0. */
export const RELEASE_LOCK_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Sets KEYS[1] to expire in ARGV[2] ms only if it holds the token ARGV[1]; returns 1 or 0. */
export const EXTEND_LOCK_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** The lock scripts, as ioredis custom commands (EVALSHA, with EVAL on `NOSCRIPT`). */
export interface LockCommands {
  cachestackReleaseLock(lockKey: string, token: string): Promise<number>;
  cachestackExtendLock(lockKey: string, token: string, ttlMs: number): Promise<number>;
}

/**
 * Defines the lock scripts on `client` with `defineCommand` (once per
 * client), so ioredis sends them with EVALSHA and falls back to EVAL when the
 * server answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`).
 */
export function defineLockCommands(client: RedisClient): RedisClient & LockCommands {
  const commands = client as RedisClient & Partial<LockCommands>;
  if (typeof commands.cachestackReleaseLock !== 'function') {
    client.defineCommand('cachestackReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK_SCRIPT });
  }
  if (typeof commands.cachestackExtendLock !== 'function') {
    client.defineCommand('cachestackExtendLock', { numberOfKeys: 1, lua: EXTEND_LOCK_SCRIPT });
  }
  return client as RedisClient & LockCommands;
}
