import type { Cache } from '@cachestack/cache';
import { normalizeHeaderNames } from './cache-key.js';

/** Options that may differ per route (per wrapped handler or middleware). */
export interface RouteCacheOptions {
  /**
   * Freshness lifetime of stored responses, in ms (finite, > 0), used when
   * the handler's response carries neither `s-maxage` nor `max-age`.
   * @default 60_000
   */
  ttlMs?: number | undefined;
  /**
   * Request header names that select a representation (added to the global
   * list and to whatever the handler's `Vary` names).
   * @default []
   */
  vary?: readonly string[] | undefined;
  /**
   * Cache responses to requests carrying `Authorization`. Without it such
   * requests bypass the cache unless the response says `public`, `s-maxage`
   * or `must-revalidate` (RFC 9111 §3.5).
   * @default false
   */
  allowAuthorization?: boolean | undefined;
  /**
   * Cache responses that set cookies (the `Set-Cookie` headers are not stored
   * and not replayed).
   * @default false
   */
  allowSetCookie?: boolean | undefined;
  /**
   * Largest body stored, in bytes (integer >= 0). Larger bodies stream
   * through uncached; at most this much (plus one chunk) is buffered.
   * @default 1_048_576 (1 MiB)
   */
  maxBodyBytes?: number | undefined;
  /**
   * Visibility in the `Cache-Control` header sent with cached responses.
   * @default 'public'
   */
  visibility?: 'public' | 'private' | undefined;
}

/** Options for {@link HttpCache}: the store plus route defaults. */
export interface HttpCacheOptions extends RouteCacheOptions {
  /** The facade cache that stores responses (give it its own namespace, e.g. `'http'`). */
  cache: Cache;
  /**
   * Called when the cache store fails; the request is then served by the
   * handler without caching.
   * @default undefined (failures are ignored)
   */
  onError?: ((error: unknown) => void) | undefined;
}

/** Route options after validation and defaults, as returned by {@link HttpCache.route}. */
export interface ResolvedRouteOptions {
  /** {@link RouteCacheOptions.ttlMs}, in ms. */
  ttlMs: number;
  /** {@link RouteCacheOptions.vary}, global and route names merged, lowercase, sorted. */
  vary: string[];
  /** {@link RouteCacheOptions.allowAuthorization}. */
  allowAuthorization: boolean;
  /** {@link RouteCacheOptions.allowSetCookie}. */
  allowSetCookie: boolean;
  /** {@link RouteCacheOptions.maxBodyBytes}, in bytes. */
  maxBodyBytes: number;
  /** {@link RouteCacheOptions.visibility}. */
  visibility: 'public' | 'private';
}

/** Defaults of {@link RouteCacheOptions}. */
export const DEFAULT_ROUTE_OPTIONS: Readonly<ResolvedRouteOptions> = Object.freeze({
  ttlMs: 60_000,
  vary: [],
  allowAuthorization: false,
  allowSetCookie: false,
  maxBodyBytes: 1_048_576,
  visibility: 'public',
});

function checkBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TypeError(`${name} must be a boolean, got ${String(value)}`);
}

/**
 * Validates `options` over `base`; throws a `TypeError` naming the first bad
 * option. @internal
 */
export function resolveRouteOptions(
  options: RouteCacheOptions | undefined,
  base: ResolvedRouteOptions,
): ResolvedRouteOptions {
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('cache options must be an object');
  }
  const { ttlMs, vary, maxBodyBytes, visibility } = options;
  if (ttlMs !== undefined && (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0)) {
    throw new TypeError(`ttlMs must be a finite number of ms greater than 0, got ${String(ttlMs)}`);
  }
  if (
    vary !== undefined &&
    (!Array.isArray(vary) || vary.some((name) => typeof name !== 'string' || name.trim() === '*'))
  ) {
    throw new TypeError('vary must be an array of header names (not "*")');
  }
  if (
    maxBodyBytes !== undefined &&
    (typeof maxBodyBytes !== 'number' || !Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0)
  ) {
    throw new TypeError(`maxBodyBytes must be an integer >= 0, got ${String(maxBodyBytes)}`);
  }
  if (visibility !== undefined && visibility !== 'public' && visibility !== 'private') {
    throw new TypeError(`visibility must be 'public' or 'private', got ${String(visibility)}`);
  }
  return {
    ttlMs: ttlMs === undefined ? base.ttlMs : Math.ceil(ttlMs),
    vary: normalizeHeaderNames([...base.vary, ...(vary ?? [])]),
    allowAuthorization:
      checkBoolean(options.allowAuthorization, 'allowAuthorization') ?? base.allowAuthorization,
    allowSetCookie: checkBoolean(options.allowSetCookie, 'allowSetCookie') ?? base.allowSetCookie,
    maxBodyBytes: maxBodyBytes ?? base.maxBodyBytes,
    visibility: visibility ?? base.visibility,
  };
}
