import { AsyncLocalStorage } from 'node:async_hooks';
import { isBackendError, type OperationTraceContext, OperationTracer } from '@cachestack/core';
import { parseSingleByteRange } from './byte-range.js';
import { directiveSecondsMs } from './cache-control.js';
import { loadKey, normalizeHeaderNames, selectingHeaders, urlKey } from './cache-key.js';
import { answerReceived, answerStored, gatewayTimeout, storedReuseFacts } from './client-answer.js';
import { withoutConditionals } from './conditional.js';
import { type FreshnessFacts, responseDirectives } from './freshness.js';
import { updateStoredHeaders } from './header-update.js';
import {
  checkOptionNames,
  type HttpCacheOptions,
  type ResolvedRouteOptions,
  ROUTE_OPTION_NAMES,
  type RouteCacheOptions,
  refineRoute,
  resolveRouteOptions,
} from './http-cache-options.js';
import {
  type FailureReporter,
  failureReporter,
  resolveHttpCacheSettings,
} from './http-cache-settings.js';
import { HTTP_TRACE_LAYER, HTTP_TRACING_CHANNEL, markOutcome, traceRequest } from './http-trace.js';
import { invalidationTargets, isUnsafeMethod } from './invalidation.js';
import { readLimitedBody } from './read-limited-body.js';
import { parseRequestDirectives, type RequestDirectives } from './request-directives.js';
import { type ResourceMeta, ResponseStore } from './response-store.js';
import {
  responseTags,
  stripTagHeaders,
  type TagHeaderSettings,
  withoutTagHeaders,
} from './response-tags.js';
import { decideReuse, mayServeOnError, mayServeStale, type ReuseFacts } from './reuse-policy.js';
import { decideStorage, unsharedCredential } from './storage-policy.js';
import { type StoredResponse, storableHeaders, storedHeaders } from './stored-response.js';

/** A fetch-style handler: web `Request` in, web `Response` out. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * The cache layers handling one request. A layer nested inside another (a
 * route middleware under a global one) steps aside and leaves its route
 * options here for the outer layer to apply when it stores. @internal
 */
export interface HandleScope {
  /** The URL the outer layer handles (set by the engine). */
  url?: string | undefined;
  nested: ResolvedRouteOptions[];
}

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

/** Everything one cacheable request needs. */
interface Exchange {
  request: Request;
  run: FetchHandler;
  route: ResolvedRouteOptions;
  scope: HandleScope;
  resourceKey: string;
  meta: ResourceMeta;
  key: string;
  directives: RequestDirectives;
  head: boolean;
  /** The request's trace context, when `cachestack:http` has a subscriber. */
  trace: OperationTraceContext | undefined;
}

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
  readonly #store: ResponseStore;
  readonly #defaults: ResolvedRouteOptions;
  readonly #report: FailureReporter;
  readonly #staleRetentionMs: number;
  readonly #targets: string[];
  readonly #tagHeaders: TagHeaderSettings;
  readonly #tracer = new OperationTracer(HTTP_TRACING_CHANNEL, HTTP_TRACE_LAYER);

  /** @throws TypeError naming the first invalid option. */
  constructor(options: HttpCacheOptions) {
    const settings = resolveHttpCacheSettings(options);
    this.#store = new ResponseStore(settings.cache);
    this.#report = failureReporter(settings.logger, settings.onError);
    this.#staleRetentionMs = settings.staleRetentionMs;
    this.#targets = settings.targets;
    this.#tagHeaders = settings.tagHeaders;
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
    await this.#store.invalidate(urlKey(url));
  }

  /**
   * Purges every stored response carrying any of `tags` (from its tag
   * headers or its route's `tags` function), in every process sharing the
   * store: one write per tag, whatever the number of responses (see
   * `Cache.invalidateTags` in `@cachestack/cache`).
   * @throws BackendError PERMANENT `INVALID_TAG` (nothing purged), or the store's error.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    await this.#store.cache.invalidateTags(tags);
  }

  async #handle(
    request: Request,
    run: FetchHandler,
    route: ResolvedRouteOptions,
    scope: HandleScope,
    rerunnable: boolean,
    trace: OperationTraceContext | undefined,
  ): Promise<Response> {
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
      meta = await this.#store.meta(resourceKey);
    } catch (error) {
      this.#report(error, 'meta');
      return run(request);
    }
    const exchange: Exchange = {
      request,
      run,
      route,
      scope,
      resourceKey,
      meta,
      key: this.#store.variantKey(resourceKey, meta, route.vary, request.headers),
      directives: parseRequestDirectives(request.headers),
      head: method === 'HEAD',
      trace,
    };
    const found = await this.#lookup(exchange);
    const range = request.headers.get('range');
    if (range !== null) return this.#rangeRequest(exchange, found, range);
    markOutcome(trace, 'miss'); // unless served from the store below
    if (found !== undefined) {
      const facts = storedReuseFacts(found, this.#targets, Date.now());
      const decision = decideReuse(facts, exchange.directives);
      if (decision === 'serve') return this.#answerStored(exchange, found, 'hit');
      if (decision === 'serve-stale-revalidate' && rerunnable) {
        this.#revalidateInBackground(exchange, found);
        return this.#answerStored(exchange, found, 'stale');
      }
      if (exchange.directives.onlyIfCached) return gatewayTimeout();
      return this.#validate(exchange, found, facts);
    }
    if (exchange.directives.onlyIfCached) return gatewayTimeout();
    if (exchange.head) return run(request);
    return this.#miss(exchange);
  }

  /**
   * A `Range` request: one byte range served from a fresh stored complete 200
   * (RFC 9111 §3.4 allows it); anything else goes to the origin as it is, and
   * its answer (a 206 or not) is never stored.
   */
  #rangeRequest(
    exchange: Exchange,
    found: StoredResponse | undefined,
    value: string,
  ): Promise<Response> | Response {
    if (found !== undefined && found.status === 200) {
      const range = parseSingleByteRange(value, found.body.byteLength);
      const facts = storedReuseFacts(found, this.#targets, Date.now());
      if (range !== undefined && decideReuse(facts, exchange.directives) === 'serve') {
        markOutcome(exchange.trace, 'hit');
        return answerStored(exchange.request, found, exchange.head, range);
      }
    }
    if (exchange.directives.onlyIfCached) return gatewayTimeout();
    return exchange.run(exchange.request);
  }

  /**
   * The stored response for this request, if any may serve it: the variant it
   * selects, never one stored for other credentials (or none) unless shared.
   */
  async #lookup(exchange: Exchange): Promise<StoredResponse | undefined> {
    let found: StoredResponse | undefined;
    try {
      found = await this.#store.lookup(exchange.key, exchange.request.headers);
    } catch (error) {
      this.#report(error, 'lookup');
      return undefined;
    }
    if (found === undefined) return undefined;
    const { directives } = responseDirectives(storedHeaders(found), this.#targets);
    const selectedOn = found.selecting.map(([name]) => name);
    const headers = exchange.request.headers;
    if (unsharedCredential(headers, directives, selectedOn, exchange.route) !== undefined) {
      return undefined;
    }
    return found;
  }

  /** A miss: one handler run for concurrent requests of this representation. */
  async #miss(exchange: Exchange): Promise<Response> {
    let own: Response | undefined;
    let ran = false;
    try {
      await this.#store.cache.getOrSet<undefined>(
        loadKey(exchange.key),
        async () => {
          ran = true;
          own = await this.#fetch(exchange);
          return undefined; // the load stores the response itself, under its own key
        },
        { ttlMs: 1000 },
      );
    } catch (error) {
      // The handler's error (ours, or the load we joined) is shared, never cached.
      if (own === undefined && (ran || !isBackendError(error))) throw error;
      this.#report(error, 'load');
    }
    if (own !== undefined) return own;
    // Joined another request's load: it stored the response, or it was not storable.
    const found = await this.#lookup(exchange);
    if (
      found !== undefined &&
      decideReuse(storedReuseFacts(found, this.#targets, Date.now()), exchange.directives) ===
        'serve'
    ) {
      return this.#answerStored(exchange, found, 'hit');
    }
    return this.#fetch(exchange);
  }

  /** Forwards the request unconditionally and stores what may be stored. */
  async #fetch(exchange: Exchange): Promise<Response> {
    const forward = new Request(exchange.request.url, {
      method: 'GET',
      headers: withoutConditionals(exchange.request.headers),
    });
    const requestTime = Date.now();
    const response = await exchange.run(forward);
    return this.#storeOrPass(exchange, forward, response, requestTime, Date.now());
  }

  /** Validates a stored response with the origin (RFC 9111 §4.3). */
  async #validate(
    exchange: Exchange,
    stored: StoredResponse,
    facts: ReuseFacts,
  ): Promise<Response> {
    const headers = withoutConditionals(exchange.request.headers);
    const validators = storedHeaders(stored);
    const etag = validators.get('etag');
    const lastModified = validators.get('last-modified');
    if (etag !== null) headers.set('if-none-match', etag);
    if (lastModified !== null) headers.set('if-modified-since', lastModified);
    const conditional = new Request(exchange.request.url, { method: 'GET', headers });
    const requestTime = Date.now();
    let response: Response;
    try {
      response = await exchange.run(conditional);
    } catch {
      // Disconnected from the origin (RFC 9111 §4.2.4): stale is allowed unless forbidden.
      if (!mayServeStale(facts.directives)) return gatewayTimeout();
      return this.#answerStored(exchange, stored, 'stale');
    }
    const responseTime = Date.now();
    if (response.status >= 500 && mayServeOnError(facts, exchange.directives)) {
      await response.body?.cancel().catch(() => undefined);
      return this.#answerStored(exchange, stored, 'stale');
    }
    if (response.status === 304 && (etag !== null || lastModified !== null)) {
      await response.body?.cancel().catch(() => undefined);
      const updated: StoredResponse = {
        ...stored,
        headers: withoutTagHeaders(
          this.#tagHeaders,
          updateStoredHeaders(stored.headers, response.headers),
        ),
        requestTime,
        responseTime,
      };
      await this.#write(exchange, updated, conditional.headers);
      return this.#answerStored(exchange, updated, 'revalidated');
    }
    return this.#storeOrPass(exchange, conditional, response, requestTime, responseTime);
  }

  #revalidateInBackground(exchange: Exchange, stored: StoredResponse): void {
    const facts = storedReuseFacts(stored, this.#targets, Date.now());
    const background = {
      ...exchange,
      trace: undefined, // the request that started it is already answered
      head: false,
      directives: { ...exchange.directives, noCache: true },
    };
    this.#store.cache
      .getOrSet<undefined>(
        loadKey(exchange.key),
        async () => {
          const response = await this.#validate(background, stored, facts);
          await response.body?.cancel().catch(() => undefined);
          return undefined;
        },
        { ttlMs: 1000 },
      )
      .catch((error: unknown) => this.#report(error, 'revalidate'));
  }

  /** Stores `response` when the RFC and the route allow it, and answers the client. */
  async #storeOrPass(
    exchange: Exchange,
    forwarded: Request,
    response: Response,
    requestTime: number,
    responseTime: number,
  ): Promise<Response> {
    const route = refineRoute(exchange.route, exchange.scope.nested);
    const { directives, targeted } = responseDirectives(response.headers, this.#targets);
    const facts: FreshnessFacts = {
      status: response.status,
      headers: response.headers,
      directives,
      targeted,
      responseTime,
    };
    const decision = decideStorage(
      forwarded.headers,
      exchange.directives.noStore,
      response,
      facts,
      route,
    );
    const answer = (body: ReadableStream<Uint8Array> | Uint8Array | null): Response => {
      const answered = answerReceived(exchange.request, response, body, exchange.head);
      stripTagHeaders(this.#tagHeaders, answered.headers);
      return answered;
    };
    if (!decision.store) {
      markOutcome(exchange.trace, 'bypass');
      return answer(response.body);
    }
    markOutcome(exchange.trace, 'miss');
    let tags: string[];
    try {
      tags = responseTags(this.#tagHeaders, route.tags, exchange.request, response);
    } catch (error) {
      this.#report(error, 'tags'); // a bad tag (or a throwing tags function): answered, not stored
      return answer(response.body);
    }
    const body = await readLimitedBody(response.body, route.maxBodyBytes);
    if (!body.complete) return answer(body.body);
    const entry: StoredResponse = {
      v: 2,
      status: response.status,
      headers: withoutTagHeaders(this.#tagHeaders, storableHeaders(response.headers)),
      body: body.bytes,
      requestTime,
      responseTime,
      selecting: selectingHeaders(
        normalizeHeaderNames([...route.vary, ...decision.vary]),
        forwarded.headers,
      ),
      ttlMs: route.ttlMs,
      tags: tags.length === 0 ? undefined : tags,
    };
    await this.#write(exchange, entry, forwarded.headers);
    return answer(body.bytes);
  }

  async #write(exchange: Exchange, entry: StoredResponse, requestHeaders: Headers): Promise<void> {
    const now = Date.now();
    const facts = storedReuseFacts(entry, this.#targets, now);
    const windowMs = Math.max(
      directiveSecondsMs(facts.directives, 'stale-while-revalidate') ?? 0,
      directiveSecondsMs(facts.directives, 'stale-if-error') ?? 0,
    );
    const ttlMs = Math.max(0, facts.lifetimeMs - facts.ageMs) + windowMs + this.#staleRetentionMs;
    try {
      await this.#store.write(exchange.resourceKey, exchange.meta, entry, requestHeaders, ttlMs);
    } catch (error) {
      this.#report(error, 'write');
    }
  }

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
        if (resourceKey !== undefined) await this.#store.invalidate(resourceKey);
      } catch (error) {
        this.#report(error, 'invalidate');
      }
    }
  }

  /** Answers from `stored`, traced as `outcome`. */
  #answerStored(
    exchange: Exchange,
    stored: StoredResponse,
    outcome: 'hit' | 'stale' | 'revalidated',
  ): Response {
    markOutcome(exchange.trace, outcome);
    return answerStored(exchange.request, stored, exchange.head);
  }
}
