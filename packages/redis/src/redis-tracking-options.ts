import { type Logger, resolveLogger } from '@cachestack/core';
import type { RedisBackend } from './redis-backend.js';

/**
 * What Redis tracks for a {@link RedisTrackingInvalidation}:
 *
 * - `'prefix'` (`CLIENT TRACKING … BCAST PREFIX cs:<namespace>:d:`): every
 *   change to any key of the namespace is announced to every process, read
 *   or not. No per-key state on the server; one message per write per process.
 * - `'reads'` (default-mode tracking of the backend's own connection): Redis
 *   remembers each key this process read and announces its next change only
 *   to the processes that read it (then forgets it until it is read again).
 *   Fewer messages, but server memory per (key, reader) pair
 *   (`tracking-table-max-keys`). Single server and Sentinel only.
 */
export type TrackingMode = 'prefix' | 'reads';

/** Options of {@link RedisTrackingInvalidation}. */
export interface RedisTrackingInvalidationOptions {
  /**
   * The Redis tier whose namespace is tracked. Its connection settings are
   * reused for the tracking connection(s), which this source opens and
   * closes itself; the backend's own connection is not touched.
   */
  backend: RedisBackend;
  /**
   * The `namespace` written into the messages. A tiered cache applies only
   * messages whose namespace equals its `invalidation.namespace`, so give
   * the same string there.
   * @default the backend's namespace
   */
  namespace?: string;
  /**
   * What Redis tracks: the whole namespace (`'prefix'`, BCAST) or the keys
   * this backend read (`'reads'`, default mode: single server and Sentinel,
   * and the backend's own connection gets `CLIENT TRACKING` turned on while
   * this source is open). See {@link TrackingMode}.
   * @default 'prefix'
   */
  mode?: TrackingMode;
  /**
   * How long `subscribe()` waits for tracking to be on (on every server) before
   * it resolves anyway, in ms. Tracking keeps being retried; copies cached
   * before it is on are dropped once it is.
   * @default 5000
   */
  readyTimeoutMs?: number;
  /**
   * Where tracking changes go (pino-compatible): tracking on, lost, a
   * `FLUSHDB` seen, a failure to turn tracking on. Never values or credentials.
   * @default a silent logger
   */
  logger?: Logger;
}

const OPTION_NAMES = new Set(['backend', 'namespace', 'mode', 'readyTimeoutMs', 'logger']);

/** {@link RedisTrackingInvalidationOptions} after validation, with defaults applied. */
export interface ResolvedTrackingOptions {
  backend: RedisBackend;
  namespace: string;
  mode: TrackingMode;
  readyTimeoutMs: number;
  logger: Logger;
}

/** Validates `options` (a `TypeError` names a bad option) and applies the defaults. */
export function resolveTrackingOptions(
  options: RedisTrackingInvalidationOptions,
): ResolvedTrackingOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('RedisTrackingInvalidation: options must be an object with a backend');
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) {
      throw new TypeError(`RedisTrackingInvalidation: unknown option \`${name}\``);
    }
  }
  const { backend, namespace, mode, readyTimeoutMs, logger } = options;
  if (typeof backend !== 'object' || backend === null || !('topology' in backend)) {
    throw new TypeError('RedisTrackingInvalidation: option `backend` must be a RedisBackend');
  }
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) {
    throw new TypeError('RedisTrackingInvalidation: option `namespace` must be a non-empty string');
  }
  if (mode !== undefined && mode !== 'prefix' && mode !== 'reads') {
    throw new TypeError(
      `RedisTrackingInvalidation: option \`mode\` must be 'prefix' or 'reads', got ${String(mode)}`,
    );
  }
  if (mode === 'reads' && backend.topology === 'cluster') {
    throw new TypeError(
      "RedisTrackingInvalidation: option `mode` 'reads' is not supported on a Cluster (use 'prefix')",
    );
  }
  if (
    readyTimeoutMs !== undefined &&
    (typeof readyTimeoutMs !== 'number' || !Number.isFinite(readyTimeoutMs) || readyTimeoutMs < 0)
  ) {
    throw new TypeError(
      'RedisTrackingInvalidation: option `readyTimeoutMs` must be a finite number of ms >= 0',
    );
  }
  return {
    backend,
    namespace: namespace ?? backend.namespace,
    mode: mode ?? 'prefix',
    readyTimeoutMs: readyTimeoutMs ?? 5000,
    logger: resolveLogger(logger, 'logger', 'RedisTrackingInvalidation'),
  };
}
