import { BackendErrorCode, BackendErrorType } from './errors.js';
import {
  type ErrorClassification,
  SYSTEM_ERROR_CLASSIFICATIONS,
  systemErrorCode,
} from './system-errors.js';

const transient = (hint: string): ErrorClassification => ({
  type: BackendErrorType.TRANSIENT,
  code: BackendErrorCode.UNAVAILABLE,
  hint,
});
const authentication = (hint: string): ErrorClassification => ({
  type: BackendErrorType.AUTHENTICATION,
  code: BackendErrorCode.AUTHENTICATION_FAILED,
  hint,
});
const permanent = (code: string, hint: string): ErrorClassification => ({
  type: BackendErrorType.PERMANENT,
  code,
  hint,
});

/**
 * Redis reply-error prefixes (the first word of the error reply) and how
 * cachestack classifies them.
 */
export const REDIS_REPLY_CLASSIFICATIONS: Readonly<Record<string, ErrorClassification>> = {
  LOADING: transient('Redis is loading its dataset into memory'),
  READONLY: transient('the node is a read-only replica (failover in progress?)'),
  TRYAGAIN: transient('Cluster keys are being migrated; try again'),
  CLUSTERDOWN: transient('the Redis Cluster is down'),
  MASTERDOWN: transient('the link with the master is down'),
  BUSY: transient('Redis is busy running a script'),
  NOREPLICAS: transient('not enough good replicas to write'),
  NOAUTH: authentication('Redis requires a password: set `password` (and `username`)'),
  WRONGPASS: authentication('Redis rejected the username or password'),
  NOPERM: authentication('the Redis ACL user lacks a permission'),
  WRONGTYPE: permanent(
    'WRONG_TYPE',
    'the Redis key holds a value of another type (written by something else?)',
  ),
  OOM: permanent(BackendErrorCode.NO_SPACE, 'Redis is out of memory (maxmemory reached)'),
  EXECABORT: permanent('REDIS_ERROR', 'transaction aborted'),
};

const MESSAGE_PATTERNS: readonly [RegExp, ErrorClassification][] = [
  [/max number of clients reached/i, transient('Redis has reached maxclients')],
  [/connection is closed/i, transient('the connection to Redis is closed')],
  [
    /command aborted due to connection close/i,
    transient(
      'the connection to Redis closed before the reply (the command may or may not have run)',
    ),
  ],
  [/stream isn't writeable/i, transient('not connected to Redis (offline queue disabled)')],
  [/all sentinels are unreachable/i, transient('no Sentinel could be reached')],
  [/none of startup nodes is available/i, transient('no Cluster node could be reached')],
  [/cluster isn't ready/i, transient('the Redis Cluster is not connected')],
  [/failed to refresh slots cache/i, transient('the Cluster slot map could not be loaded')],
  [/too many cluster redirections/i, transient('the Cluster keeps redirecting (resharding?)')],
  [/cluster(all)?failed|cluster is disconnected/i, transient('the Redis Cluster is unreachable')],
  [
    /command timed out/i,
    {
      type: BackendErrorType.TIMEOUT,
      code: BackendErrorCode.TIMEOUT,
      hint: 'the Redis command timed out (ioredis commandTimeout)',
    },
  ],
  [
    /invalid password|called without any password configured|AUTH failed/i,
    authentication('Redis rejected the authentication'),
  ],
  [
    /^ERR (syntax error|wrong number of arguments|unknown command|value is not|invalid expire)/i,
    permanent(BackendErrorCode.INVALID_ARGUMENT, 'Redis rejected the command arguments'),
  ],
];

function errorName(error: object): string {
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : '';
}

/**
 * Classifies an error from ioredis or the Redis server, for
 * `toBackendError(error, operation, key, classifyRedisError)`:
 *
 * | error | type |
 * | --- | --- |
 * | refused / reset / closed connection, `Connection is closed`, `Command aborted due to connection close`, `Stream isn't writeable`, `MaxRetriesPerRequestError`, `LOADING`, `READONLY`, `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `BUSY`, max clients, unreachable Sentinels or Cluster | TRANSIENT |
 * | `NOAUTH`, `WRONGPASS`, `NOPERM` | AUTHENTICATION |
 * | `Command timed out` | TIMEOUT |
 * | `WRONGTYPE`, `OOM`, `EXECABORT`, `ERR syntax error` / wrong arguments | PERMANENT |
 * | anything else | `undefined` (UNKNOWN, with the error as `cause`) |
 */
export function classifyRedisError(error: unknown): ErrorClassification | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const system = SYSTEM_ERROR_CLASSIFICATIONS[systemErrorCode(error) ?? ''];
  if (system !== undefined) return system;
  const name = errorName(error);
  if (name === 'MaxRetriesPerRequestError') {
    return transient('Redis could not be reached (retries per request exhausted)');
  }
  // ioredis' ClusterAllFailedError keeps the real reason (e.g. WRONGPASS) in lastNodeError.
  const lastNodeError = (error as { lastNodeError?: unknown }).lastNodeError;
  if (lastNodeError !== undefined && lastNodeError !== error) {
    const reason = classifyRedisError(lastNodeError);
    if (reason !== undefined) return reason;
  }
  const message = error instanceof Error ? error.message : '';
  const firstWord = /^[A-Z]+/.exec(message)?.[0];
  const reply = firstWord === undefined ? undefined : REDIS_REPLY_CLASSIFICATIONS[firstWord];
  if (reply !== undefined) return reply;
  for (const [pattern, classification] of MESSAGE_PATTERNS) {
    if (pattern.test(message)) return classification;
  }
  if (lastNodeError !== undefined) return transient('the Redis Cluster is unreachable');
  return undefined;
}
