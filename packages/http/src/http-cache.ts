import { AsyncLocalStorage } from 'node:async_hooks';
import { type OperationTraceContext, OperationTracer } from '@cachestack/core';
import { urlKey } from './cache-key.js';
import { gatewayTimeout, storedReuseFacts } from './client-answer.js';
import {
  answerFromStore,
  type CacheEngine,
  type Exchange,
  type FetchHandler,
  type HandleScope,
} from './exchange.js';
import {
  checkOptionNames,
  type HttpCacheOptions,
  type ResolvedRouteOptions,
  ROUTE_OPTION_NAMES,
  type RouteCacheOptions,
  resolveRouteOptions,
} from './http-cache-options.js';
import { failureReporter, resolveHttpCacheSettings } from './http-cache-settings.js';
import { HTTP_TRACE_LAYER, HTTP_TRACING_CHANNEL, markOutcome, traceRequest } from './http-trace.js';
import { invalidationTargets, isUnsafeMethod } from './invalidation.js';
import { answerMiss } from './load-on-miss.js';
import { parseRequestDirectives } from './request-directives.js';
import { type ResourceMeta, ResponseStore } from './response-store.js';
import { decideReuse } from './reuse-policy.js';
import { revalidateInBackground, validateStored } from './revalidation.js';
import { answerRange, lookupStored } from './stored-lookup.js';

/** How an adapter calls {@link HttpCache.handle}. @internal */
export interface HandleOptions {
  /** The scope of this request, when the adapter tracks nesting itself (Fastify). */
  scope?: HandleScope | undefined;
  /** The handler may run again after the response is sent (background revalidation). */
  rerunnable?: boolean | undefined;
}

const scopes = new AsyncLocalStorage<HandleScope>();

/** Request headers this cache does not evaluate: such requests go to the handler as they are. */
const BYPASS_HEADERS = ['if-match', 'if-unmodified-since', 'if-range'];

/**
 * The HTTP caching engine behind every adapter: a shared cache (RFC 9111)
 * over a facade {@link @cachestack/cache!Cache | Cache}. It stores what the origin allows, forwards what
 * the origin said and adds only `Age`, computes freshness from `s-maxage`,
 * `max-age`, `Expires`, `Age` and `Date` (heuristics only where allowed),
 * revalidates upstream with `If-None-Match`/`If-Modified-Since` and merges
 * 304s, honours request directives, `stale-while-revalidate` and
 * `stale-if-error`, answers `HEAD` from a stored `GET`, selects variants by
 * `Vary`, invalidates on unsafe methods, never shares a response to a request
 * with credentials unless allowed, and runs the handler once for concurrent
 * misses (the facade's `getOrSet`). A failing store never fails a request.
 */
export class HttpCache {
  readonly #engine: CacheEngine;
  readonly #defaults: ResolvedRouteOptions;
  readonly #tracer = new OperationTracer(HTTP_TRACING_CHANNEL, HTTP_TRACE_LAYER);

  /** @throws TypeError naming the first invalid option. */
  constructor(options: HttpCacheOptions) {
    const settings = resolveHttpCacheSettings(options);
    this.#engine = {
      store: new ResponseStore(settings.cache),
      report: failureReporter(settings.logger, settings.onError),
      staleRetentionMs: settings.staleRetentionMs,
      targets: settings.targets,
      tagHeaders: settings.tagHeaders,
    };
    this.#defaults = settings.defaults;
  }

  /**
   * Route settings: these defaults overridden by `options` (`vary` lists are
   * merged). @throws TypeError naming the first invalid option.
   */
  route(options?: RouteCacheOptions): ResolvedRouteOptions {
    if (typeof options === 'object' && options !== null) {
      checkOptionNames(options, ROUTE_OPTION_NAMES, 'HttpCache route');
    }
    return resolveRouteOptions(options, this.#defaults);
  }

  /**
   * Answers `request`, calling `run` (the handler or upstream) only when the
   * cache cannot: on a miss, to revalidate, for methods other than GET/HEAD.
   * An unsafe method (anything but GET, HEAD, OPTIONS, TRACE) answered with
   * 2xx/3xx invalidates its URL and same-origin `Location`/`Content-Location`.
   * Inside another layer's handler for the same URL (stacked middleware) it
   * steps aside, and the outer layer applies this route's options.
   */
  handle(
    request: Request,
    run: FetchHandler,
    route: ResolvedRouteOptions = this.#defaults,
    options: HandleOptions = {},
  ): Promise<Response> {
    const outer = scopes.getStore();
    if (outer !== undefined && outer.url === request.url) {
      outer.nested.push(route);
      return (async () => run(request))();
    }
    const scope = options.scope ?? { nested: [] };
    scope.url = request.url;
    const rerunnable = options.rerunnable === true;
    if (!this.#tracer.active) {
      return scopes.run(scope, () =>
        this.#handle(request, run, route, scope, rerunnable, undefined),
      );
    }
    return scopes.run(scope, () =>
      traceRequest(this.#tracer, request, (trace) =>
        this.#handle(request, run, route, scope, rerunnable, trace),
      ),
    );
  }

  /** Evicts every stored representation (all `Vary` variants) of `url` (as sent). */
  async invalidate(url: string | URL): Promise<void> {
    await this.#engine.store.invalidate(urlKey(url));
  }

  /**
   * Purges every stored response carrying any of `tags` (from its tag
   * headers or its route's `tags` function), in every process sharing the
   * store: one write per tag, whatever the number of responses (see
   * `Cache.invalidateTags` in `@cachestack/cache`).
   * @throws BackendError PERMANENT `INVALID_TAG` (nothing purged), or the store's error.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    await this.#engine.store.cache.invalidateTags(tags);
  }

  async #handle(
    request: Request,
    run: FetchHandler,
    route: ResolvedRouteOptions,
    scope: HandleScope,
    rerunnable: boolean,
    trace: OperationTraceContext | undefined,
  ): Promise<Response> {
    const engine = this.#engine;
    const method = request.method;
    markOutcome(trace, 'bypass'); // until the request turns out cacheable
    if (isUnsafeMethod(method)) {
      const response = await run(request);
      await this.#invalidateAfter(request, response, route);
      return response;
    }
    if (method !== 'GET' && method !== 'HEAD') return run(request);
    if (BYPASS_HEADERS.some((name) => request.headers.has(name))) return run(request);
    const resourceKey = route.key === undefined ? urlKey(request.url) : route.key(request);
    if (resourceKey === undefined) return run(request);
    let meta: ResourceMeta;
    try {
      meta = await engine.store.meta(resourceKey);
    } catch (error) {
      engine.report(error, 'meta');
      return run(request);
    }
    const exchange: Exchange = {
      request,
      run,
      route,
      scope,
      resourceKey,
      meta,
      key: engine.store.variantKey(resourceKey, meta, route.vary, request.headers),
      directives: parseRequestDirectives(request.headers),
      head: method === 'HEAD',
      trace,
    };
    const found = await lookupStored(engine, exchange);
    const range = request.headers.get('range');
    if (range !== null) return answerRange(engine, exchange, found, range);
    markOutcome(trace, 'miss'); // unless served from the store below
    if (found !== undefined) {
      const facts = storedReuseFacts(found, engine.targets, Date.now());
      const decision = decideReuse(facts, exchange.directives);
      if (decision === 'serve') return answerFromStore(exchange, found, 'hit');
      if (decision === 'serve-stale-revalidate' && rerunnable) {
        revalidateInBackground(engine, exchange, found);
        return answerFromStore(exchange, found, 'stale');
      }
      if (exchange.directives.onlyIfCached) return gatewayTimeout();
      return validateStored(engine, exchange, found, facts);
    }
    if (exchange.directives.onlyIfCached) return gatewayTimeout();
    if (exchange.head) return run(request);
    return answerMiss(engine, exchange);
  }

  /** After an unsafe method: evicts its URL and same-origin `Location`/`Content-Location`. */
  async #invalidateAfter(
    request: Request,
    response: Response,
    route: ResolvedRouteOptions,
  ): Promise<void> {
    for (const target of invalidationTargets(request, response)) {
      try {
        const resourceKey =
          route.key === undefined
            ? urlKey(target)
            : route.key(new Request(target, { headers: request.headers }));
        if (resourceKey !== undefined) await this.#engine.store.invalidate(resourceKey);
      } catch (error) {
        this.#engine.report(error, 'invalidate');
      }
    }
  }
}
