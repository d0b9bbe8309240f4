import { redactUrl } from '@cachestack/core';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisBackendOptions } from './redis-backend-options.js';

/** How the backend reaches Redis. */
export type RedisTopology = 'standalone' | 'sentinel' | 'cluster';

/** An ioredis client: one server (standalone or through Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster;

/** The client a backend uses, and whether it owns (and must close) it. */
export interface RedisConnection {
  client: RedisClient;
  owned: boolean;
  topology: RedisTopology;
}

/** Exponential reconnection backoff: 50 ms, 100 ms, … up to `maxDelayMs`. */
export function reconnectBackoff(maxDelayMs: number): (attempt: number) => number {
  return (attempt) => Math.min(maxDelayMs, 50 * 2 ** Math.min(attempt - 1, 16));
}

/**
 * Defaults for connections the backend owns: connect lazily; fail queued
 * commands at the first failed connection attempt instead of retrying them
 * (`maxRetriesPerRequest: 0`), so calls fail fast with TRANSIENT while Redis
 * is down; reconnect forever with backoff, so the same instance recovers;
 * reconnect on `READONLY` (a failed-over master). No ioredis auto-pipelining
 * on a single server: the backend corks the socket for the rest of the tick
 * instead (see `TickWriteCorker`), which batches same-tick commands into one
 * write without auto-pipelining's extra event-loop turn per call.
 */
export function ownedConnectionDefaults(reconnectMaxDelayMs: number): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: reconnectBackoff(reconnectMaxDelayMs),
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
}

/** True when `client` is an ioredis Cluster. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true || client instanceof Cluster;
}

/** Creates (or adopts) the client described by validated `options`. */
export function createRedisConnection(
  options: RedisBackendOptions,
  reconnectMaxDelayMs: number,
): RedisConnection {
  if (options.client !== undefined) {
    const client = options.client;
    const sentinel = !isCluster(client) && Array.isArray(client.options.sentinels);
    return {
      client,
      owned: false,
      topology: isCluster(client) ? 'cluster' : sentinel ? 'sentinel' : 'standalone',
    };
  }
  const defaults = ownedConnectionDefaults(reconnectMaxDelayMs);
  if (options.cluster !== undefined) {
    const clusterOptions = options.cluster.options ?? {};
    // No offline queue: ioredis Cluster would keep queued commands until it
    // reconnects (hanging while every node is down). The backend connects
    // a lazy Cluster itself before its first command.
    const client = new Cluster(options.cluster.nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      // The backend corks every node's socket for the rest of the tick instead
      // (one write per node, without auto-pipelining's extra event-loop turn).
      enableAutoPipelining: false,
      clusterRetryStrategy: reconnectBackoff(reconnectMaxDelayMs),
      ...clusterOptions,
      redisOptions: {
        maxRetriesPerRequest: defaults.maxRetriesPerRequest,
        connectTimeout: defaults.connectTimeout,
        ...clusterOptions.redisOptions,
      },
    });
    return { client, owned: true, topology: 'cluster' };
  }
  if (options.url !== undefined) {
    return { client: new Redis(options.url, defaults), owned: true, topology: 'standalone' };
  }
  const redisOptions = options.redis ?? {};
  const sentinel = Array.isArray(redisOptions.sentinels);
  const client = new Redis({
    ...defaults,
    ...(sentinel ? { failoverDetector: true } : {}),
    ...redisOptions,
  });
  return { client, owned: true, topology: sentinel ? 'sentinel' : 'standalone' };
}

/**
 * Where `connection` points, for logs: a URL with its credentials redacted,
 * `host:port`, `sentinel:<master name>` or `cluster`. Never a password.
 */
export function describeEndpoint(
  options: RedisBackendOptions,
  connection: RedisConnection,
): string {
  if (options.url !== undefined) return redactUrl(options.url);
  const client = connection.client;
  if (isCluster(client)) return 'cluster';
  const { host, port, name, path } = client.options;
  if (connection.topology === 'sentinel') return `sentinel:${name ?? ''}`;
  return path ?? `${host ?? '127.0.0.1'}:${port ?? 6379}`;
}
