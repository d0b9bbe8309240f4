import type { Cache } from '@cachestack/cache';
import type { FetchHandler } from './exchange.js';
import { HttpCache } from './http-cache.js';
import {
  checkOptionNames,
  ROUTE_OPTION_NAMES,
  type RouteCacheOptions,
} from './http-cache-options.js';

/**
 * Where an adapter stores responses: a shared {@link HttpCache} (global
 * defaults, one place for invalidation), or a facade `cache` from which a
 * private one is made. Exactly one of the two. Route options apply on top.
 */
export interface AdapterOptions extends RouteCacheOptions {
  /** A shared engine; its options are the defaults for this route. */
  httpCache?: HttpCache | undefined;
  /** A facade cache, used when `httpCache` is not given. */
  cache?: Cache | undefined;
  /** Store failures, when `cache` is given (see {@link HttpCacheOptions.onError}). */
  onError?: ((error: unknown) => void) | undefined;
}

/** Every option name of {@link AdapterOptions} (the compiler checks the list is complete). */
const ADAPTER_OPTION_NAMES = [
  ...ROUTE_OPTION_NAMES,
  ...Object.keys({
    httpCache: true,
    cache: true,
    onError: true,
  } satisfies Record<Exclude<keyof AdapterOptions, keyof RouteCacheOptions>, true>),
];

/**
 * Resolves adapter options into an engine and route settings; `hostNames`
 * are extra keys the host framework adds to the object (Fastify's register
 * options). @internal
 */
export function resolveAdapter(
  options: AdapterOptions,
  hostNames: readonly string[] = [],
): {
  engine: HttpCache;
  route: ReturnType<HttpCache['route']>;
} {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('cache options must be an object with httpCache or cache');
  }
  checkOptionNames(options, [...ADAPTER_OPTION_NAMES, ...hostNames], 'cache options');
  const { httpCache, cache, onError, ...route } = options;
  for (const name of hostNames) delete (route as Record<string, unknown>)[name];
  if (httpCache !== undefined && cache !== undefined) {
    throw new TypeError('give either httpCache or cache, not both');
  }
  if (httpCache !== undefined) {
    if (!(httpCache instanceof HttpCache)) throw new TypeError('httpCache must be an HttpCache');
    return { engine: httpCache, route: httpCache.route(route) };
  }
  if (cache === undefined) throw new TypeError('cache options need httpCache or cache');
  const engine = new HttpCache({ ...route, cache, onError });
  return { engine, route: engine.route() };
}

/**
 * Wraps a fetch-style handler (Hono's `app.fetch`, a Next route handler, a
 * Bun/Deno-style handler) with HTTP caching.
 *
 * @example
 * ```ts
 * const cache = createCache({ backend: new MemoryBackend(), namespace: 'http' });
 * serve({ fetch: cacheHandler((request) => app.fetch(request), { cache, ttlMs: 30_000 }) });
 * ```
 * @throws TypeError naming the first invalid option.
 */
export function cacheHandler(
  handler: FetchHandler,
  options: AdapterOptions,
): (request: Request) => Promise<Response> {
  if (typeof handler !== 'function') throw new TypeError('handler must be a function');
  const { engine, route } = resolveAdapter(options);
  return (request) => engine.handle(request, handler, route, { rerunnable: true });
}
