import {
  type AcquireLockOptions,
  assertValidKey,
  assertValidKeys,
  assertValidPrefix,
  assertValidValue,
  type BaseBackend,
  type Batch,
  type BatchEntry,
  type Clearable,
  copyBytes,
  type HealthStatus,
  type KeyIterable,
  type Lock,
  type Lockable,
  type Logger,
  logSafely,
  normalizeBatchEntries,
  normalizeLockOptions,
  normalizeRequiredTtl,
  normalizeTtl,
  OperationTimeouts,
  probeHealth,
  raceWithTimeout,
  type TimeoutConfigurable,
  type TimeoutOperation,
  type TTLInspectable,
} from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import { execBySlot, fetchValues } from './batch-commands.js';
import { ConnectionState, describe } from './connection-state.js';
import {
  createRedisConnection,
  describeEndpoint,
  type RedisClient,
  type RedisTopology,
} from './create-redis-client.js';
import { GetCoalescer, handOutMany, handOutValue } from './get-coalescer.js';
import { healthProbe } from './health-probe.js';
import { KeyLayout } from './key-layout.js';
import { defineLockCommands, type LockCommands } from './lock-commands.js';
import { scanNode, unlinkMatching } from './namespace-scan.js';
import { OperationRunner } from './operation-runner.js';
import {
  type RedisBackendOptions,
  type ResolvedRedisBackendOptions,
  resolveOptions,
} from './redis-backend-options.js';
import { acquireRedisLock } from './redis-lock.js';
import { SetCoalescer } from './set-coalescer.js';
import {
  handOutValueWithTtl,
  TtlReader,
  type TtlReply,
  type ValueWithTtl,
} from './value-with-ttl.js';

/** The `backendType` of every Redis backend. */
export const BACKEND_TYPE = 'redis';
/** How long `close()` waits for an owned connection to finish pending replies (`QUIT`), in ms. */
const QUIT_TIMEOUT_MS = 2000;

function toBytes(value: Buffer | null): Uint8Array | undefined {
  return handOutValue(value, true);
}

function noop(): void {}

/**
 * The Redis backend's implementation, without tracing: {@link RedisBackend}
 * extends it and routes every public operation through the tracer. Internal
 * to the package (not exported from its entry point).
 */
export class RedisBackendCore
  implements
    BaseBackend,
    TTLInspectable,
    Lockable,
    TimeoutConfigurable,
    Batch,
    Clearable,
    KeyIterable
{
  /** Always `'redis'`. */
  readonly backendType = BACKEND_TYPE;
  readonly #client: RedisClient;
  readonly #owned: boolean;
  readonly #topology: RedisTopology;
  readonly #options: ResolvedRedisBackendOptions;
  readonly #layout: KeyLayout;
  readonly #timeouts: OperationTimeouts;
  readonly #state: ConnectionState;
  readonly #coalescer: GetCoalescer<Buffer | null, Buffer | undefined>;
  readonly #ttlReader: TtlReader;
  readonly #ttlCoalescer: GetCoalescer<TtlReply, ValueWithTtl | undefined>;
  readonly #sets: SetCoalescer | undefined;
  readonly #locks: LockCommands;
  readonly #ops: OperationRunner;
  readonly #logger: Logger;
  readonly #logFields: Record<string, unknown>;
  #closing: Promise<void> | undefined;

  /**
   * Validates `options` (a `TypeError` names a bad option) and prepares the
   * connection. Nothing connects until the first operation.
   */
  constructor(options: RedisBackendOptions) {
    this.#options = resolveOptions(options);
    const connection = createRedisConnection(options, this.#options.reconnectMaxDelayMs);
    this.#client = connection.client;
    this.#owned = connection.owned;
    this.#topology = connection.topology;
    this.#layout = new KeyLayout(this.#options.namespace);
    this.#timeouts = new OperationTimeouts({
      ...this.#options.timeouts,
      '*': Math.min(this.#options.commandTimeoutMs, this.#options.timeouts['*'] ?? Infinity),
    });
    this.#logger = this.#options.logger;
    this.#logFields = {
      backendType: BACKEND_TYPE,
      namespace: this.#options.namespace,
      endpoint: describeEndpoint(options, connection),
    };
    this.#state = new ConnectionState(this.#client, this.#logger, this.#logFields);
    this.#ops = new OperationRunner({
      client: this.#client,
      topology: this.#topology,
      timeouts: this.#timeouts,
      state: this.#state,
      backendType: BACKEND_TYPE,
      beforeCommand: () => this.#sets?.flush(),
    });
    const coalescerHooks = {
      classify: (error: unknown, key: string) => this.#ops.classify(error, 'get', key),
      settled: () => this.#ops.leave(),
      beforeFetch: () => {
        this.#ops.cork();
        this.#sets?.flush();
      },
    };
    this.#coalescer = new GetCoalescer({
      ...coalescerHooks,
      fetchMany: (keys) => fetchValues(this.#client, this.#topology, keys),
      fetchOne: (key) => this.#client.getBuffer(key),
      handOut: handOutValue,
    });
    this.#ttlReader = new TtlReader(this.#client, this.#topology);
    this.#ttlCoalescer = new GetCoalescer({
      ...coalescerHooks,
      fetchMany: (keys) => this.#ttlReader.fetchMany(keys),
      fetchOne: (key) => this.#ttlReader.fetchOne(key),
      handOut: handOutValueWithTtl,
    });
    // On a Cluster same-tick sets are grouped by slot (one command per slot).
    this.#sets = this.#options.coalesceSets
      ? new SetCoalescer(this.#client, {
          classify: (error, key) => this.#ops.classify(error, 'set', key),
          settled: () => this.#ops.leave(),
          bySlot: this.#topology === 'cluster',
          beforeSend: () => this.#ops.cork(),
        })
      : undefined;
    this.#locks = defineLockCommands(this.#client);
  }

  /** The ioredis client in use (owned by the backend unless it was passed as `client`). */
  get client(): Redis | Cluster {
    return this.#client;
  }

  /** `'standalone'`, `'sentinel'` or `'cluster'`. */
  get topology(): RedisTopology {
    return this.#topology;
  }

  /** This backend's namespace. */
  get namespace(): string {
    return this.#options.namespace;
  }

  /** {@inheritDoc @cachestack/core!TimeoutConfigurable.withTimeout} */
  withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    return this.#timeouts.run(operation, timeoutMs, fn);
  }

  /** The value of `key`, or `undefined` when missing or expired (`GET`, coalesced into `MGET`). */
  get(key: string): Promise<Uint8Array | undefined> {
    // The hot path: no async frames (each costs promise hops per call).
    try {
      assertValidKey(key, 'get');
    } catch (error) {
      return Promise.reject(error);
    }
    const redisKey = this.#layout.dataKey(key);
    const ops = this.#ops;
    if (!this.#options.coalesceGets || ops.needsSlowPath) {
      return ops.runFast('get', key, () => this.#client.getBuffer(redisKey)).then(toBytes);
    }
    const refused = ops.admitFast('get', key);
    if (refused !== undefined) return Promise.reject(refused);
    return this.#coalescer.get(redisKey, key, ops.limitFor('get'));
  }

  /**
   * The value of `key` together with its remaining TTL, in one round trip
   * (one atomic script: `GET` + `PTTL`), or `undefined` when missing or
   * expired. `ttlMs` is `Infinity` for a key without expiry. Calls made in
   * the same tick share one script call (one per hash slot on a Cluster). Time limits
   * of `'get'` apply. A composite (`@cachestack/tiered`) uses it to backfill
   * an upper tier without a second round trip for the TTL.
   */
  getWithTtl(key: string): Promise<ValueWithTtl | undefined> {
    try {
      assertValidKey(key, 'get');
    } catch (error) {
      return Promise.reject(error);
    }
    const redisKey = this.#layout.dataKey(key);
    const ops = this.#ops;
    if (!this.#options.coalesceGets || ops.needsSlowPath) {
      return ops
        .runFast('get', key, () => this.#ttlReader.fetchOne(redisKey))
        .then((reply) => handOutValueWithTtl(reply, true));
    }
    const refused = ops.admitFast('get', key);
    if (refused !== undefined) return Promise.reject(refused);
    return this.#ttlCoalescer.get(redisKey, key, ops.limitFor('get'));
  }

  /**
   * Stores a copy of `value` (`SET`, with `PX ttlMs` when given; without, any
   * old expiry is removed). Sets issued in the same tick go out as one
   * `MSET` or one script call (one per hash slot on a Cluster), in issue order.
   */
  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    // A hot path like get: no async frames.
    let redisKey: string;
    let bytes: Buffer;
    let ttl: number | undefined;
    try {
      assertValidKey(key, 'set');
      assertValidValue(value, 'set', key, this.#options.maxValueBytes);
      ttl = normalizeTtl(ttlMs, 'set', key);
      redisKey = this.#layout.dataKey(key);
      bytes = copyBytes(value);
    } catch (error) {
      return Promise.reject(error);
    }
    const ops = this.#ops;
    if (this.#sets === undefined || ops.needsSlowPath) {
      return ops
        .runFast('set', key, () =>
          ttl === undefined
            ? this.#client.set(redisKey, bytes)
            : this.#client.set(redisKey, bytes, 'PX', ttl),
        )
        .then(noop);
    }
    const refused = ops.admitFast('set', key);
    if (refused !== undefined) return Promise.reject(refused);
    return this.#sets.set(redisKey, bytes, ttl, key, ops.limitFor('set'));
  }

  /** Removes `key` (`DEL`); `true` if it existed. */
  async delete(key: string): Promise<boolean> {
    assertValidKey(key, 'delete');
    const redisKey = this.#layout.dataKey(key);
    return (await this.#ops.run('delete', key, () => this.#client.del(redisKey))) > 0;
  }

  /** True when `key` exists and has not expired (`EXISTS`). */
  async exists(key: string): Promise<boolean> {
    assertValidKey(key, 'exists');
    const redisKey = this.#layout.dataKey(key);
    return (await this.#ops.run('exists', key, () => this.#client.exists(redisKey))) > 0;
  }

  /** Remaining ms (`PTTL`): `Infinity` without expiry (-1), `undefined` when missing (-2). */
  async getTtl(key: string): Promise<number | undefined> {
    assertValidKey(key, 'getTtl');
    const redisKey = this.#layout.dataKey(key);
    const ttl = await this.#ops.run('getTtl', key, () => this.#client.pttl(redisKey));
    if (ttl === -2) return undefined;
    if (ttl === -1) return Number.POSITIVE_INFINITY;
    return Math.max(1, ttl);
  }

  /** Makes a live `key` expire `ttlMs` from now (`PEXPIRE`); `false` if it was missing. */
  async refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    assertValidKey(key, 'refreshTtl');
    const ttl = normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
    const redisKey = this.#layout.dataKey(key);
    return (
      (await this.#ops.run('refreshTtl', key, () => this.#client.pexpire(redisKey, ttl))) === 1
    );
  }

  /**
   * Takes the lock on `key` with `SET lockKey token NX PX ttlMs`, retrying
   * with jittered backoff until `waitMs` has passed. The token is 128 random
   * bits from a CSPRNG. An acquisition that took `ttlMs` or longer counts as
   * failed (the lock may already have expired). Not fencing-safe.
   */
  async acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    assertValidKey(key, 'acquireLock');
    const { ttlMs: ttl, waitMs } = normalizeLockOptions(options, key);
    return acquireRedisLock({
      ops: this.#ops,
      client: this.#client,
      locks: this.#locks,
      key,
      lockKey: this.#layout.lockKey(key),
      ttlMs: ttl,
      waitMs,
      logger: this.#logger,
      logFields: this.#logFields,
    });
  }

  /** Values of `keys` in order (`MGET`; one per slot in a Cluster, one socket write per node). */
  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    assertValidKeys(keys, 'getMany');
    const unique = [...new Set(keys)];
    const values = await this.#ops.run('getMany', undefined, () =>
      unique.length === 0
        ? Promise.resolve([])
        : fetchValues(
            this.#client,
            this.#topology,
            unique.map((key) => this.#layout.dataKey(key)),
          ),
    );
    return handOutMany(keys, unique, values, handOutValue);
  }

  /**
   * {@link RedisBackendCore.getWithTtl} for several keys, in order, in one round
   * trip on a single server (one script call per hash slot, sent together, in a Cluster).
   */
  async getManyWithTtl(keys: readonly string[]): Promise<(ValueWithTtl | undefined)[]> {
    assertValidKeys(keys, 'getMany');
    const unique = [...new Set(keys)];
    const replies = await this.#ops.run('getMany', undefined, () =>
      unique.length === 0
        ? Promise.resolve([])
        : this.#ttlReader.fetchMany(unique.map((key) => this.#layout.dataKey(key))),
    );
    return handOutMany(keys, unique, replies, handOutValueWithTtl);
  }

  /** Stores every entry (a pipeline of `SET … [PX]`; one per node in a Cluster). */
  async setMany(entries: readonly BatchEntry[]): Promise<void> {
    const normalized = normalizeBatchEntries(entries, 'setMany', this.#options.maxValueBytes);
    const redisKeys = normalized.map((entry) => this.#layout.dataKey(entry.key));
    const values = normalized.map((entry) => copyBytes(entry.value));
    await this.#ops.run('setMany', undefined, () =>
      execBySlot(this.#client, this.#topology, redisKeys, (pipeline, group) => {
        for (const index of group) {
          const ttl = normalized[index]?.ttlMs;
          const redisKey = redisKeys[index] as string;
          const value = values[index] as Buffer;
          if (ttl === undefined) pipeline.set(redisKey, value);
          else pipeline.set(redisKey, value, 'PX', ttl);
        }
      }),
    );
  }

  /** Removes every key (`DEL`, one per slot); resolves how many existed. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    assertValidKeys(keys, 'deleteMany');
    const redisKeys = [...new Set(keys)].map((key) => this.#layout.dataKey(key));
    const results = await this.#ops.run('deleteMany', undefined, () =>
      execBySlot(this.#client, this.#topology, redisKeys, (pipeline, group) => {
        pipeline.del(...group.map((index) => redisKeys[index] as string));
      }),
    );
    let removed = 0;
    for (const [, [count]] of results) removed += Number(count);
    return removed;
  }

  /**
   * Removes every entry of this namespace: `SCAN MATCH` + `UNLINK` in
   * batches on every master. Never `FLUSHDB`. Locks are left to expire.
   * The time limit applies to each round trip.
   */
  async clear(): Promise<void> {
    this.#ops.enter('clear');
    try {
      const step = this.#ops.step('clear');
      const masters = await this.#masters('clear');
      const pattern = this.#layout.dataPattern();
      const cluster = this.#topology === 'cluster';
      await Promise.all(
        masters.map((node) =>
          unlinkMatching(node, pattern, this.#options.scanCount, cluster, step),
        ),
      );
    } finally {
      this.#ops.leave();
    }
  }

  /**
   * Live keys of this namespace starting with `prefix` (`SCAN MATCH` on every
   * master; each key once). The time limit applies to each round trip.
   */
  async *keys(prefix?: string): AsyncGenerator<string> {
    assertValidPrefix(prefix);
    this.#ops.enter('keys');
    try {
      const step = this.#ops.step('keys');
      const pattern = this.#layout.dataPattern(prefix);
      const seen = new Set<string>();
      for (const node of await this.#masters('keys')) {
        for await (const page of scanNode(node, pattern, this.#options.scanCount, step)) {
          for (const redisKey of page) {
            const key = this.#layout.userKey(redisKey);
            if (key === undefined || seen.has(key)) continue;
            if (prefix !== undefined && !key.startsWith(prefix)) continue;
            seen.add(key);
            yield key;
          }
        }
      }
    } finally {
      this.#ops.leave();
    }
  }

  /** `PING` latency, role, version (and Cluster state); never throws. */
  async healthCheck(): Promise<HealthStatus> {
    const status = await probeHealth(BACKEND_TYPE, () =>
      this.#ops.run('healthCheck', undefined, () => healthProbe(this.#client, this.#topology)),
    );
    status.details = {
      topology: this.#topology,
      namespace: this.#options.namespace,
      ...status.details,
    };
    return status;
  }

  /**
   * Idempotent. Later operations fail with PERMANENT `CLOSED`; operations
   * already in flight finish first (waiting at most `commandTimeoutMs`; a
   * lock wait stops at its next attempt). Then an owned connection is
   * closed after its pending replies (`QUIT`, then disconnect); a connection
   * passed as `client` is left open.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      // Refuse new operations first, then send the gets already coalesced.
      const drained = this.#ops.close(this.#options.commandTimeoutMs);
      this.#coalescer.flush();
      this.#ttlCoalescer.flush();
      this.#closing = this.#shutdown(drained);
    }
    return this.#closing;
  }

  /** Same as {@link RedisBackendCore.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(drained: Promise<void>): Promise<void> {
    // Let operations admitted before close() finish (each is bounded by its time limit).
    await drained;
    this.#state.detach();
    if (!this.#owned) return;
    const client = this.#client;
    client.on('error', noop);
    if (client.status === 'ready') {
      await raceWithTimeout(client.quit(), QUIT_TIMEOUT_MS, 'close').catch((error: unknown) => {
        logSafely(
          this.#logger,
          'debug',
          { ...this.#logFields, error: describe(error) },
          'QUIT on close failed; disconnecting',
        );
      });
    }
    client.disconnect();
  }

  async #masters(operation: TimeoutOperation): Promise<Redis[]> {
    if (this.#topology !== 'cluster') return [this.#client as Redis];
    const cluster = this.#client as Cluster;
    if (cluster.status !== 'ready')
      await this.#ops.exec(operation, undefined, () => cluster.ping());
    return cluster.nodes('master');
  }
}
