import {
  type AcquireLockOptions,
  type BatchEntry,
  type HealthStatus,
  type Lock,
  OperationTracer,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import { BACKEND_TYPE, RedisBackendCore } from './redis-backend-core.js';
import type { RedisBackendOptions } from './redis-backend-options.js';
import type { ValueWithTtl } from './value-with-ttl.js';

/**
 * A cachestack backend on Redis through ioredis: standalone, Sentinel or
 * Cluster. Values are stored as raw bytes under `cs:<namespace>:d:<key>`,
 * TTLs with `PX` (the server's clock), locks with `SET NX PX` and Lua
 * compare-and-delete/compare-and-expire under `cs:<namespace>:l:<key>`.
 *
 * Locks are for efficiency (stampedes, duplicate work), not for correctness:
 * they are not fencing-safe (a paused holder may outlive its lock).
 *
 * Every operation but `keys()` is traced on the `cachestack:backend`
 * diagnostics channel; connection changes go to the `logger` option.
 *
 * @example
 * ```ts
 * const cache = new RedisBackend({ url: 'redis://127.0.0.1:6379', namespace: 'users' });
 * await cache.set('42', Buffer.from('{"name":"Ada"}'), 60_000);
 * const bytes = await cache.get('42');
 * await cache.close();
 * ```
 */
export class RedisBackend extends RedisBackendCore {
  readonly #tracer: OperationTracer;

  /**
   * Validates `options` (a `TypeError` names a bad option) and prepares the
   * connection. Nothing connects until the first operation.
   */
  constructor(options: RedisBackendOptions) {
    super(options);
    this.#tracer = new OperationTracer(TRACING_CHANNEL_NAMES.backend, BACKEND_TYPE, this.namespace);
  }

  /** The value of `key`, or `undefined` when missing or expired (`GET`, coalesced into `MGET`). */
  override get(key: string): Promise<Uint8Array | undefined> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('get', key, undefined, () => super.get(key))
      : super.get(key);
  }

  /**
   * The value of `key` together with its remaining TTL, in one round trip
   * (one atomic script: `GET` + `PTTL`), or `undefined` when missing or
   * expired. `ttlMs` is `Infinity` for a key without expiry. Calls made in
   * the same tick share one script call (on a single server). Time limits
   * of `'get'` apply. A composite (`@cachestack/tiered`) uses it to backfill
   * an upper tier without a second round trip for the TTL.
   */
  override getWithTtl(key: string): Promise<ValueWithTtl | undefined> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('getWithTtl', key, undefined, () => super.getWithTtl(key))
      : super.getWithTtl(key);
  }

  /**
   * Stores a copy of `value` (`SET`, with `PX ttlMs` when given; without, any
   * old expiry is removed). Sets issued in the same tick go out as one
   * `MSET` or one script call (one per hash slot on a Cluster), in issue order.
   */
  override set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('set', key, undefined, () => super.set(key, value, ttlMs))
      : super.set(key, value, ttlMs);
  }

  /** Removes `key` (`DEL`); `true` if it existed. */
  override delete(key: string): Promise<boolean> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('delete', key, undefined, () => super.delete(key))
      : super.delete(key);
  }

  /** True when `key` exists and has not expired (`EXISTS`). */
  override exists(key: string): Promise<boolean> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('exists', key, undefined, () => super.exists(key))
      : super.exists(key);
  }

  /** Remaining ms (`PTTL`): `Infinity` without expiry (-1), `undefined` when missing (-2). */
  override getTtl(key: string): Promise<number | undefined> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('getTtl', key, undefined, () => super.getTtl(key))
      : super.getTtl(key);
  }

  /** Makes a live `key` expire `ttlMs` from now (`PEXPIRE`); `false` if it was missing. */
  override refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('refreshTtl', key, undefined, () => super.refreshTtl(key, ttlMs))
      : super.refreshTtl(key, ttlMs);
  }

  /**
   * Takes the lock on `key` with `SET lockKey token NX PX ttlMs`, retrying
   * with jittered backoff until `waitMs` has passed. The token is 128 random
   * bits from a CSPRNG. An acquisition that took `ttlMs` or longer counts as
   * failed (the lock may already have expired). Not fencing-safe.
   */
  override acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('acquireLock', key, undefined, () => super.acquireLock(key, options))
      : super.acquireLock(key, options);
  }

  /** Values of `keys` in order (`MGET`; one per slot in a Cluster, one socket write per node). */
  override getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('getMany', undefined, keys?.length, () => super.getMany(keys))
      : super.getMany(keys);
  }

  /**
   * {@link RedisBackend.getWithTtl} for several keys, in order, in one round
   * trip on a single server (one script call per hash slot in a Cluster).
   */
  override getManyWithTtl(keys: readonly string[]): Promise<(ValueWithTtl | undefined)[]> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('getManyWithTtl', undefined, keys?.length, () => super.getManyWithTtl(keys))
      : super.getManyWithTtl(keys);
  }

  /** Stores every entry (a pipeline of `SET … [PX]`; one per node in a Cluster). */
  override setMany(entries: readonly BatchEntry[]): Promise<void> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('setMany', undefined, entries?.length, () => super.setMany(entries))
      : super.setMany(entries);
  }

  /** Removes every key (`DEL`, one per slot); resolves how many existed. */
  override deleteMany(keys: readonly string[]): Promise<number> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('deleteMany', undefined, keys?.length, () => super.deleteMany(keys))
      : super.deleteMany(keys);
  }

  /**
   * Removes every entry of this namespace: `SCAN MATCH` + `UNLINK` in
   * batches on every master. Never `FLUSHDB`. Locks are left to expire.
   * The time limit applies to each round trip.
   */
  override clear(): Promise<void> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('clear', undefined, undefined, () => super.clear())
      : super.clear();
  }

  /** `PING` latency, role, version (and Cluster state); never throws. */
  override healthCheck(): Promise<HealthStatus> {
    const tracer = this.#tracer;
    return tracer.active
      ? tracer.trace('healthCheck', undefined, undefined, () => super.healthCheck())
      : super.healthCheck();
  }
}
