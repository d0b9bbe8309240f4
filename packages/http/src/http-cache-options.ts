import type { Cache } from '@cachestack/cache';
import { assertKnownOptions, type Logger } from '@cachestack/core';
import { normalizeHeaderNames } from './cache-key.js';
import type { ResponseTagFunction } from './response-tags.js';

/**
 * A route's own cache key: the string that identifies the resource (in place
 * of the URL as sent), or `undefined` to let this request bypass the cache.
 * With a key function the route takes responsibility for what a key shares:
 * responses to requests with credentials are then stored under it too.
 */
export type CacheKeyFunction = (request: Request) => string | undefined;

/** Options that may differ per route (per wrapped handler or middleware). */
export interface RouteCacheOptions {
  /**
   * Explicit freshness lifetime in ms (finite, > 0) for 200, 203 and 204
   * responses that carry no explicit freshness of their own (`s-maxage`,
   * `max-age`, `Expires`): it replaces the heuristic lifetime and makes such
   * responses storable. It never overrides what the origin said (`no-store`,
   * `private`, `no-cache`, `max-age`, …).
   * @default undefined (no default lifetime: RFC 9111 only)
   */
  ttlMs?: number | undefined;
  /**
   * Request header names that select a representation, in addition to the
   * response's `Vary`. Naming `cookie` or `authorization` here lets responses
   * to requests with those credentials be cached per credential value.
   * @default []
   */
  vary?: readonly string[] | undefined;
  /** The route's own cache key (see {@link CacheKeyFunction}). @default the URL as sent */
  key?: CacheKeyFunction | undefined;
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
   * Tags for a stored response, in addition to those its tag headers list
   * (see {@link HttpCacheOptions.tagHeaders}); purge them with
   * {@link HttpCache.invalidateTags}. Tags are checked like keys (non-empty,
   * well-formed, at most 256 UTF-8 bytes, at most 64 per response): a bad
   * one leaves the response unstored (it is still answered) and is reported
   * to `onError` as a PERMANENT `INVALID_TAG` error. Nested layers' tag
   * functions add to the outer layer's.
   * @default undefined (header tags only)
   */
  tags?: ResponseTagFunction | undefined;
}

/** Options for {@link HttpCache}: the store, engine settings and route defaults. */
export interface HttpCacheOptions extends RouteCacheOptions {
  /** The facade cache that stores responses (give it its own namespace, e.g. `'http'`). */
  cache: Cache;
  /**
   * Called when the cache store fails; the request is then served as if
   * nothing were stored (fail-open).
   * @default undefined (failures are ignored)
   */
  onError?: ((error: unknown) => void) | undefined;
  /**
   * Where the cache logs (pino-compatible `debug/info/warn/error(fields, message)`):
   * every store failure it survives (warn, with the step and the error's
   * type and code; the same failures `onError` receives). Never a header,
   * body or credential.
   * @default silent
   */
  logger?: Logger | undefined;
  /**
   * How long a response is kept past the end of its freshness (and of its
   * `stale-while-revalidate` / `stale-if-error` windows), in ms (integer >= 0),
   * so it can be revalidated with a conditional request or served under a
   * client's `max-stale`.
   * @default 600_000 (10 minutes)
   */
  staleRetentionMs?: number | undefined;
  /**
   * Targeted cache-control fields this cache obeys before `Cache-Control`
   * (RFC 9213), in order of precedence, e.g. `['cdn-cache-control']` for a
   * CDN-like reverse proxy.
   * @default []
   */
  targetedCacheControl?: readonly string[] | undefined;
  /**
   * Response headers whose values list tags for the stored response,
   * separated by spaces or commas (`Surrogate-Key: product:1 products`,
   * `Cache-Tag: a,b`). `[]` turns header tags off.
   * @default ['surrogate-key', 'cache-tag']
   */
  tagHeaders?: readonly string[] | undefined;
  /**
   * Keep the tag headers in stored responses and in answers to clients. By
   * default they are for this cache only (as CDNs treat them) and are
   * removed from what it stores and from the GET/HEAD answers it produces.
   * @default false
   */
  forwardTagHeaders?: boolean | undefined;
}

/** Route options after validation and defaults, as returned by {@link HttpCache.route}. */
export interface ResolvedRouteOptions {
  /** {@link RouteCacheOptions.ttlMs}, in ms. */
  ttlMs: number | undefined;
  /** {@link RouteCacheOptions.vary}, global and route names merged, lowercase, sorted. */
  vary: string[];
  /** {@link RouteCacheOptions.key}. */
  key: CacheKeyFunction | undefined;
  /** {@link RouteCacheOptions.allowSetCookie}. */
  allowSetCookie: boolean;
  /** {@link RouteCacheOptions.maxBodyBytes}, in bytes. */
  maxBodyBytes: number;
  /** {@link RouteCacheOptions.tags}: the engine's and the route's functions, outermost first. */
  tags: readonly ResponseTagFunction[];
}

/** Defaults of {@link RouteCacheOptions}. */
export const DEFAULT_ROUTE_OPTIONS: Readonly<ResolvedRouteOptions> = Object.freeze({
  ttlMs: undefined,
  vary: [],
  key: undefined,
  allowSetCookie: false,
  maxBodyBytes: 1_048_576,
  tags: [],
});

/** Options of earlier versions, rejected with a hint rather than silently ignored. */
const REMOVED_OPTIONS: Record<string, string> = {
  allowAuthorization:
    "allowAuthorization was removed: responses to credentials are shared only when they say public, s-maxage or must-revalidate; add 'authorization' to vary to cache per user",
  visibility: 'visibility was removed: stored responses keep the Cache-Control the origin sent',
};

/** Every option name of {@link RouteCacheOptions} (the compiler checks the list is complete). @internal */
export const ROUTE_OPTION_NAMES = Object.keys({
  ttlMs: true,
  vary: true,
  key: true,
  allowSetCookie: true,
  maxBodyBytes: true,
  tags: true,
} satisfies Record<keyof RouteCacheOptions, true>);

/** Every option name of {@link HttpCacheOptions} (the compiler checks the list is complete). @internal */
export const HTTP_CACHE_OPTION_NAMES = [
  ...ROUTE_OPTION_NAMES,
  ...Object.keys({
    cache: true,
    onError: true,
    logger: true,
    staleRetentionMs: true,
    targetedCacheControl: true,
    tagHeaders: true,
    forwardTagHeaders: true,
  } satisfies Record<Exclude<keyof HttpCacheOptions, keyof RouteCacheOptions>, true>),
];

/**
 * Throws a `TypeError` for an option key not in `names`: a removed option
 * with its hint, any other with the closest known name (core's
 * `assertKnownOptions`). @internal
 */
export function checkOptionNames(options: object, names: readonly string[], where: string): void {
  for (const [name, hint] of Object.entries(REMOVED_OPTIONS)) {
    if ((options as Record<string, unknown>)[name] !== undefined) throw new TypeError(hint);
  }
  assertKnownOptions(options, names, where);
}

function checkBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TypeError(`${name} must be a boolean, got ${String(value)}`);
}

/** Validates a non-negative integer option (ms or bytes); `undefined` passes. @internal */
export function checkNonNegativeInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${name} must be an integer >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Validates `options` over `base`; throws a `TypeError` naming the first bad
 * option. Option names are checked by the caller ({@link checkOptionNames}),
 * since some pass a wider object. @internal
 */
export function resolveRouteOptions(
  options: RouteCacheOptions | undefined,
  base: ResolvedRouteOptions,
): ResolvedRouteOptions {
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('cache options must be an object');
  }
  const { ttlMs, vary, key } = options;
  if (ttlMs !== undefined && (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0)) {
    throw new TypeError(`ttlMs must be a finite number of ms greater than 0, got ${String(ttlMs)}`);
  }
  if (
    vary !== undefined &&
    (!Array.isArray(vary) || vary.some((name) => typeof name !== 'string' || name.trim() === '*'))
  ) {
    throw new TypeError('vary must be an array of header names (not "*")');
  }
  if (key !== undefined && typeof key !== 'function') {
    throw new TypeError('key must be a function (request) => string | undefined');
  }
  const maxBodyBytes = checkNonNegativeInteger(options.maxBodyBytes, 'maxBodyBytes');
  if (options.tags !== undefined && typeof options.tags !== 'function') {
    throw new TypeError('tags must be a function (request, response) => string[]');
  }
  return {
    tags: options.tags === undefined ? base.tags : [...new Set([...base.tags, options.tags])],
    ttlMs: ttlMs === undefined ? base.ttlMs : Math.ceil(ttlMs),
    vary: normalizeHeaderNames([...base.vary, ...(vary ?? [])]),
    key: key ?? base.key,
    allowSetCookie: checkBoolean(options.allowSetCookie, 'allowSetCookie') ?? base.allowSetCookie,
    maxBodyBytes: maxBodyBytes ?? base.maxBodyBytes,
  };
}

/**
 * The route a response is stored under when cache layers are stacked: the
 * outer layer's, refined by the nested layers' `ttlMs`, `vary` (merged),
 * `allowSetCookie` and `maxBodyBytes` (innermost wins). @internal
 */
export function refineRoute(
  route: ResolvedRouteOptions,
  nested: readonly ResolvedRouteOptions[],
): ResolvedRouteOptions {
  let refined = route;
  for (const inner of nested) {
    refined = {
      ttlMs: inner.ttlMs ?? refined.ttlMs,
      vary: normalizeHeaderNames([...refined.vary, ...inner.vary]),
      key: refined.key,
      allowSetCookie: inner.allowSetCookie,
      maxBodyBytes: inner.maxBodyBytes,
      tags: [...new Set([...refined.tags, ...inner.tags])],
    };
  }
  return refined;
}
