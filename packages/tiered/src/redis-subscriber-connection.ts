import {
  type BackendError,
  BackendErrorCode,
  BackendErrorType,
  classifyRedisError,
  type ErrorClassification,
  toBackendError,
} from '@cachestack/core';
import type { RedisPubSubConnection } from './redis-invalidation-bus.js';

/**
 * The bus's own subscriber connection: `client.duplicate()` made lazy
 * (`lazyConnect`), so the bus connects it itself and sees whether it can.
 * A standalone one resubscribes after every reconnect (`autoResubscribe`);
 * a Cluster's subscriber node connection does so by itself.
 */
export function duplicateForSubscriber(client: RedisPubSubConnection): RedisPubSubConnection {
  return client.isCluster === true
    ? client.duplicate([], { lazyConnect: true })
    : client.duplicate({ lazyConnect: true, autoResubscribe: true });
}

/**
 * Connects `subscriber` (from {@link duplicateForSubscriber}), then sends
 * `SUBSCRIBE channel`. Connecting first matters: the user's client may have
 * its offline queue disabled (`enableOfflineQueue: false`, as on
 * RedisBackend's own Cluster), so a `SUBSCRIBE` sent while the duplicate
 * connects would fail; and a connection that cannot be made rejects at its
 * first failed attempt instead of leaving `SUBSCRIBE` queued forever.
 * Rejects with a classified `BackendError` (operation `subscribe`); the
 * caller disconnects the subscriber.
 */
export async function connectSubscriber(
  subscriber: RedisPubSubConnection,
  channel: string,
): Promise<void> {
  await connectOrClassify(subscriber, 'subscribe');
  try {
    await subscriber.subscribe(channel);
  } catch (error) {
    throw toBackendError(error, 'subscribe', undefined, classifyRedisError);
  }
}

/**
 * `connection.connect()` of a lazy connection, its failure classified:
 * rejects with a `BackendError` for `operation` at the first failed attempt.
 */
export async function connectOrClassify(
  connection: RedisPubSubConnection,
  operation: string,
): Promise<void> {
  // ioredis rejects a failed connect() with a bare "Connection is closed." or
  // "None of startup nodes is available"; the error event before it has the
  // reason (ECONNREFUSED, a Cluster's last node error), which is classified.
  let reason: unknown;
  const noteReason = (error: unknown) => {
    reason = lastNodeError(error) ?? error;
  };
  connection.on('error', noteReason);
  try {
    await connection.connect();
  } catch (error) {
    throw connectFailure(reason ?? error, operation);
  } finally {
    connection.off('error', noteReason);
  }
}

/** The node error inside an ioredis `ClusterAllFailedError`, if `error` is one. */
function lastNodeError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as { lastNodeError?: unknown }).lastNodeError;
}

const UNREACHABLE: ErrorClassification = {
  type: BackendErrorType.TRANSIENT,
  code: BackendErrorCode.UNAVAILABLE,
  hint: 'the invalidation bus could not connect to Redis',
};

/**
 * A failed connect, classified as every Redis error is (`classifyRedisError`:
 * a system error, `WRONGPASS`/`NOAUTH`, …); any other failure that is not a
 * server reply means Redis could not be reached: TRANSIENT.
 */
function connectFailure(error: unknown, operation: string): BackendError {
  return toBackendError(error, operation, undefined, (cause) => {
    const known = classifyRedisError(cause);
    if (known !== undefined) return known;
    return cause instanceof Error && cause.name === 'ReplyError' ? undefined : UNREACHABLE;
  });
}
