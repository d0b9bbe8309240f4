import {
  assertKnownOptions,
  type Logger,
  resolveLogger,
  resolveTimeoutsOption,
  type TimeoutDefaults,
} from '@cachestack/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** Largest value Redis accepts by default (`proto-max-bulk-len`), in bytes: 512 MiB. */
export const REDIS_MAX_VALUE_BYTES = 512 * 1024 * 1024;

/** A Redis Cluster to connect to: its seed nodes and ioredis Cluster options. */
export interface RedisClusterConnection {
  /** Seed nodes (`{ host, port }`, `'host:port'` or a port number); ioredis discovers the rest. */
  nodes: ClusterNode[];
  /** ioredis Cluster options; cachestack's connection defaults are applied underneath them. */
  options?: ClusterOptions;
}

/**
 * Options for {@link RedisBackend}. Give exactly one of `url`, `redis`,
 * `cluster` or `client`.
 *
 * With `url`, `redis` or `cluster` the backend creates and owns the
 * connection (and closes it in `close()`); it connects lazily, on the first
 * operation. With `client` the caller owns the connection and `close()`
 * leaves it open.
 */
export interface RedisBackendOptions {
  /** A `redis://` or `rediss://` URL, e.g. `redis://user:pass@127.0.0.1:6379/0`. */
  url?: string;
  /**
   * ioredis options for a standalone server, or for Sentinel (`sentinels` and
   * `name`). cachestack's connection defaults (see the README) are applied
   * underneath them. `keyPrefix` is not supported: use `namespace`.
   */
  redis?: RedisOptions;
  /** A Redis Cluster to connect to. */
  cluster?: RedisClusterConnection;
  /**
   * An existing ioredis `Redis` or `Cluster` instance. The backend does not
   * close it. Its `keyPrefix` option must be unset.
   */
  client?: Redis | Cluster;
  /**
   * The namespace: every key is stored under `cs:<namespace>:d:`, and
   * `clear()`/`keys()` touch only this namespace. Any non-empty string of at
   * most 256 characters.
   * @default 'default'
   */
  namespace?: string;
  /**
   * Time limit for every operation, in ms, unless `timeouts` or
   * `withTimeout` set a smaller one. For `acquireLock`, `keys` and `clear`
   * it applies to each round trip.
   * @default 5000
   */
  commandTimeoutMs?: number;
  /** Per-operation time limits in ms, on top of `commandTimeoutMs` (the smaller one wins). */
  timeouts?: TimeoutDefaults;
  /**
   * Largest value accepted, in bytes; larger values fail with `VALUE_TOO_LARGE`.
   * @default 536870912 (512 MiB, Redis' `proto-max-bulk-len`)
   */
  maxValueBytes?: number;
  /**
   * Longest delay between reconnection attempts of an owned connection, in ms.
   * Attempts back off from 50 ms up to this.
   * @default 1000
   */
  reconnectMaxDelayMs?: number;
  /**
   * Coalesce `get` calls made in the same tick into one `MGET` (one per slot
   * group in a Cluster), and `getWithTtl` calls into one script call. Each
   * caller still gets its own copy and its own time limit.
   * @default true
   */
  coalesceGets?: boolean;
  /**
   * Send the `set` calls made in the same tick as one `MSET` (none has a
   * TTL) or one script call (`EVALSHA`, as locks use), in issue order; on a
   * Cluster one such command per hash slot. Turn off when the Redis user may
   * not run scripts.
   * @default true
   */
  coalesceSets?: boolean;
  /**
   * `COUNT` hint for the `SCAN` calls of `keys()` and `clear()`, and the
   * largest number of keys per `UNLINK`.
   * @default 1000
   */
  scanCount?: number;
  /**
   * Where the backend reports what it handles on its own (pino-compatible:
   * `debug/info/warn/error(fields, message)`): the connection lost and
   * restored, errors it swallows (a failed `QUIT` on close, a slow lock
   * released), lock anomalies. Never values or credentials; URLs are
   * redacted.
   * @default a silent logger
   */
  logger?: Logger;
}

/** {@link RedisBackendOptions} after validation, with defaults applied. */
export interface ResolvedRedisBackendOptions {
  namespace: string;
  commandTimeoutMs: number;
  timeouts: TimeoutDefaults;
  maxValueBytes: number;
  reconnectMaxDelayMs: number;
  coalesceGets: boolean;
  coalesceSets: boolean;
  scanCount: number;
  logger: Logger;
}

function fail(option: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  throw new TypeError(`RedisBackend: option \`${option}\` must be ${expected}, got ${shown}`);
}

function positiveNumber(option: string, value: unknown, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(option, 'a finite number greater than 0', value);
  }
  if (integer && !Number.isInteger(value)) fail(option, 'an integer greater than 0', value);
  return value;
}

const OPTION_NAMES = Object.keys({
  url: true,
  redis: true,
  cluster: true,
  client: true,
  namespace: true,
  commandTimeoutMs: true,
  timeouts: true,
  maxValueBytes: true,
  reconnectMaxDelayMs: true,
  coalesceGets: true,
  coalesceSets: true,
  scanCount: true,
  logger: true,
} satisfies Record<keyof RedisBackendOptions, true>);

/** Validates `options` (throwing a `TypeError` that names the bad option) and applies defaults. */
export function resolveOptions(options: RedisBackendOptions): ResolvedRedisBackendOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('RedisBackend: options must be an object');
  }
  assertKnownOptions(options, OPTION_NAMES, 'RedisBackend');
  const sources = (['url', 'redis', 'cluster', 'client'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (sources.length !== 1) {
    throw new TypeError(
      `RedisBackend: give exactly one of the options \`url\`, \`redis\`, \`cluster\` or \`client\` (got ${sources.length === 0 ? 'none' : sources.join(', ')})`,
    );
  }
  if (
    options.url !== undefined &&
    (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url))
  ) {
    fail('url', 'a redis:// or rediss:// URL', options.url);
  }
  if (options.redis !== undefined) {
    if (typeof options.redis !== 'object' || options.redis === null) {
      fail('redis', 'an ioredis options object', options.redis);
    }
    if (options.redis.keyPrefix)
      fail('redis.keyPrefix', 'unset (use `namespace`)', options.redis.keyPrefix);
  }
  if (options.cluster !== undefined && !Array.isArray(options.cluster?.nodes)) {
    fail('cluster.nodes', 'an array of seed nodes', options.cluster?.nodes);
  }
  if (options.client !== undefined) {
    const client = options.client as { options?: { keyPrefix?: string }; status?: unknown };
    if (typeof client !== 'object' || client === null || typeof client.status !== 'string') {
      fail('client', 'an ioredis Redis or Cluster instance', client);
    }
    if (client.options?.keyPrefix) {
      fail('client', 'an instance without `keyPrefix` (use `namespace`)', client.options.keyPrefix);
    }
  }
  const namespace = options.namespace ?? 'default';
  if (
    typeof namespace !== 'string' ||
    namespace.length === 0 ||
    namespace.length > 256 ||
    !namespace.isWellFormed()
  ) {
    fail('namespace', 'a non-empty, well-formed string of at most 256 characters', namespace);
  }
  if (options.coalesceGets !== undefined && typeof options.coalesceGets !== 'boolean') {
    fail('coalesceGets', 'a boolean', options.coalesceGets);
  }
  if (options.coalesceSets !== undefined && typeof options.coalesceSets !== 'boolean') {
    fail('coalesceSets', 'a boolean', options.coalesceSets);
  }
  const timeouts = resolveTimeoutsOption(options.timeouts, 'RedisBackend');
  return {
    namespace,
    commandTimeoutMs: positiveNumber('commandTimeoutMs', options.commandTimeoutMs, 5000),
    timeouts,
    maxValueBytes: positiveNumber(
      'maxValueBytes',
      options.maxValueBytes,
      REDIS_MAX_VALUE_BYTES,
      true,
    ),
    reconnectMaxDelayMs: positiveNumber('reconnectMaxDelayMs', options.reconnectMaxDelayMs, 1000),
    coalesceGets: options.coalesceGets ?? true,
    coalesceSets: options.coalesceSets ?? true,
    scanCount: positiveNumber('scanCount', options.scanCount, 1000, true),
    logger: resolveLogger(options.logger, 'logger', 'RedisBackend'),
  };
}
