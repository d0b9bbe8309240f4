import { randomBytes } from 'node:crypto';
import type { Cache } from '@cachestack/cache';
import { isBackendError } from '@cachestack/core';
import { requestWantsRevalidation } from './cache-control.js';
import { metaKey, normalizeHeaderNames, normalizeUrl, variantKey } from './cache-key.js';
import { computeEntityTag, ifMatchHolds, ifNoneMatchHits, parseEntityTag } from './entity-tag.js';
import {
  DEFAULT_ROUTE_OPTIONS,
  type HttpCacheOptions,
  type ResolvedRouteOptions,
  type RouteCacheOptions,
  resolveRouteOptions,
} from './http-cache-options.js';
import { readLimitedBody } from './read-limited-body.js';
import { decideStorage } from './storage-policy.js';
import { renderStored, type StoredResponse, storableHeaders } from './stored-response.js';

/** A fetch-style handler: web `Request` in, web `Response` out. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Per-URL record: the generation in every variant key, and the `Vary` names learned from responses. */
interface UrlMeta {
  generation: string;
  vary: string[];
}

/** Outcome of running the handler for a cacheable request. */
type LoadOutcome = { stored: StoredResponse } | { passthrough: Response };

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const CONDITIONAL_HEADERS = [
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
];
/** Lifetime of a per-URL record, in ms. When it lapses, old variants are orphaned (a miss), never wrong. */
const META_TTL_MS = 86_400_000;

function newGeneration(): string {
  return randomBytes(9).toString('base64url');
}

function isMeta(value: unknown): value is UrlMeta {
  const meta = value as UrlMeta | undefined;
  return (
    typeof meta === 'object' &&
    meta !== null &&
    typeof meta.generation === 'string' &&
    Array.isArray(meta.vary)
  );
}

function isStoredResponse(value: unknown): value is StoredResponse {
  const entry = value as StoredResponse | undefined;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.status === 'number' &&
    Array.isArray(entry.headers) &&
    entry.body instanceof Uint8Array &&
    typeof entry.createdAt === 'number' &&
    typeof entry.expiresAt === 'number' &&
    typeof entry.etag === 'string'
  );
}

/** The request the handler sees on a load: GET, without conditional headers. */
function loadRequestFor(request: Request): Request {
  const headers = new Headers(request.headers);
  for (const name of CONDITIONAL_HEADERS) headers.delete(name);
  return new Request(request.url, { method: 'GET', headers });
}

function withoutBody(response: Response): Response {
  response.body?.cancel().catch(() => undefined);
  return new Response(null, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * The HTTP caching engine behind every adapter (fetch-style, node:http /
 * Express, Fastify). It stores successful `GET` responses in a facade
 * {@link Cache}, serves `GET`/`HEAD` from them with `ETag`, `Age` and
 * `Cache-Control`, answers `If-None-Match` (304) and `If-Match` (412), keys
 * representations by normalized URL plus `Vary` headers, evicts every variant
 * of a URL when an unsafe method succeeds on it, and runs the handler once
 * for concurrent misses (the facade's `getOrSet`).
 */
export class HttpCache {
  readonly #cache: Cache;
  readonly #defaults: ResolvedRouteOptions;
  readonly #onError: ((error: unknown) => void) | undefined;

  /** @throws TypeError naming the first invalid option. */
  constructor(options: HttpCacheOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('HttpCache needs an options object with a cache');
    }
    const cache = options.cache as Partial<Cache> | undefined;
    if (
      typeof cache !== 'object' ||
      cache === null ||
      typeof cache.getOrSet !== 'function' ||
      typeof cache.get !== 'function' ||
      typeof cache.set !== 'function'
    ) {
      throw new TypeError('cache must be a @cachestack/cache Cache (createCache({ backend }))');
    }
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new TypeError('onError must be a function');
    }
    this.#cache = options.cache;
    this.#onError = options.onError;
    this.#defaults = resolveRouteOptions(options, DEFAULT_ROUTE_OPTIONS);
  }

  /**
   * Route settings: these defaults overridden by `options` (`vary` lists are
   * merged). @throws TypeError naming the first invalid option.
   */
  route(options?: RouteCacheOptions): ResolvedRouteOptions {
    return resolveRouteOptions(options, this.#defaults);
  }

  /**
   * Answers `request`, calling `run` (the handler) only when the cache cannot.
   * Unsafe methods run the handler and, on a 2xx/3xx status, evict the URL.
   */
  async handle(
    request: Request,
    run: FetchHandler,
    route: ResolvedRouteOptions = this.#defaults,
  ): Promise<Response> {
    const method = request.method.toUpperCase();
    if (UNSAFE_METHODS.has(method)) {
      const response = await run(request);
      if (response.status >= 200 && response.status < 400) {
        await this.invalidate(request.url).catch((error: unknown) => this.#report(error));
      }
      return response;
    }
    if (method !== 'GET' && method !== 'HEAD') return run(request);
    if (request.headers.has('authorization') && !route.allowAuthorization) return run(request);
    const head = method === 'HEAD';
    const urlKey = normalizeUrl(request.url);
    let meta: UrlMeta;
    try {
      meta = await this.#readMeta(urlKey);
    } catch (error) {
      this.#report(error);
      return run(request);
    }
    const loadRequest = loadRequestFor(request);
    const load = (): Promise<LoadOutcome> => this.#load(loadRequest, run, route, urlKey, meta);
    if (requestWantsRevalidation(request.headers)) {
      return this.#respond(request, await load(), route, head);
    }
    const key = variantKey(
      urlKey,
      meta.generation,
      normalizeHeaderNames([...route.vary, ...meta.vary]),
      request.headers,
    );
    let own: LoadOutcome | undefined;
    let loaderFailed = false;
    let found: unknown;
    try {
      found = await this.#cache.getOrSet<unknown>(
        key,
        async () => {
          try {
            own = await load();
          } catch (error) {
            loaderFailed = true;
            throw error;
          }
          // The load stored the entry itself (its lifetime comes from the response).
          return undefined;
        },
        { ttlMs: route.ttlMs },
      );
    } catch (error) {
      // The handler's error (this request's load or the one it joined) is shared, never cached.
      if (loaderFailed || !isBackendError(error)) throw error;
      if (own === undefined) {
        this.#report(error);
        return run(request);
      }
    }
    if (own !== undefined) return this.#respond(request, own, route, head);
    if (found === undefined) {
      // Joined another request's load: it stored the response, or it was not storable.
      found = await this.#cache.get<unknown>(key).catch((error: unknown) => this.#report(error));
    }
    if (isStoredResponse(found)) return this.#serve(request, found, route, head);
    return this.#respond(request, await load(), route, head);
  }

  /** Evicts every cached representation (all `Vary` variants) of `url`. */
  async invalidate(url: string | URL): Promise<void> {
    const key = metaKey(normalizeUrl(url));
    const current = await this.#cache.get<unknown>(key);
    const vary = isMeta(current) ? current.vary : [];
    await this.#cache.set(key, { generation: newGeneration(), vary }, { ttlMs: META_TTL_MS });
  }

  async #readMeta(urlKey: string): Promise<UrlMeta> {
    const key = metaKey(urlKey);
    const meta = await this.#cache.getOrSet<unknown>(
      key,
      () => ({ generation: newGeneration(), vary: [] }),
      { ttlMs: META_TTL_MS },
    );
    if (isMeta(meta)) return meta;
    const fresh: UrlMeta = { generation: newGeneration(), vary: [] };
    await this.#cache.set(key, fresh, { ttlMs: META_TTL_MS });
    return fresh;
  }

  async #load(
    loadRequest: Request,
    run: FetchHandler,
    route: ResolvedRouteOptions,
    urlKey: string,
    meta: UrlMeta,
  ): Promise<LoadOutcome> {
    const response = await run(loadRequest);
    const decision = decideStorage(loadRequest.headers, response, route);
    if (!decision.store) return { passthrough: response };
    const body = await readLimitedBody(response.body, route.maxBodyBytes);
    if (!body.complete) {
      return {
        passthrough: new Response(body.body, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        }),
      };
    }
    const now = Date.now();
    const handlerTag = response.headers.get('etag');
    const headers = storableHeaders(response.headers).filter(([name]) => name !== 'vary');
    const varyOut = normalizeHeaderNames([...route.vary, ...decision.vary]);
    if (varyOut.length > 0) headers.push(['vary', varyOut.join(', ')]);
    const stored: StoredResponse = {
      status: response.status,
      headers,
      body: body.bytes,
      createdAt: now,
      expiresAt: now + decision.ttlMs,
      etag:
        handlerTag !== null && parseEntityTag(handlerTag) !== undefined
          ? handlerTag.trim()
          : computeEntityTag(body.bytes),
    };
    try {
      const learned = decision.vary.filter((name) => !meta.vary.includes(name));
      let varyNames = meta.vary;
      if (learned.length > 0) {
        varyNames = normalizeHeaderNames([...meta.vary, ...learned]);
        const current = await this.#cache.get<unknown>(metaKey(urlKey));
        const generation = isMeta(current) ? current.generation : meta.generation;
        await this.#cache.set(
          metaKey(urlKey),
          { generation, vary: varyNames },
          { ttlMs: META_TTL_MS },
        );
      }
      const key = variantKey(
        urlKey,
        meta.generation,
        normalizeHeaderNames([...route.vary, ...varyNames]),
        loadRequest.headers,
      );
      await this.#cache.set(key, stored, { ttlMs: decision.ttlMs });
    } catch (error) {
      this.#report(error);
    }
    return { stored };
  }

  #respond(
    request: Request,
    outcome: LoadOutcome,
    route: ResolvedRouteOptions,
    head: boolean,
  ): Response {
    if ('stored' in outcome) return this.#serve(request, outcome.stored, route, head);
    return head ? withoutBody(outcome.passthrough) : outcome.passthrough;
  }

  #serve(
    request: Request,
    entry: StoredResponse,
    route: ResolvedRouteOptions,
    head: boolean,
  ): Response {
    const ifMatch = request.headers.get('if-match');
    if (ifMatch !== null && !ifMatchHolds(ifMatch, entry.etag)) {
      return new Response(null, { status: 412, headers: { etag: entry.etag } });
    }
    const ifNoneMatch = request.headers.get('if-none-match');
    return renderStored(entry, {
      visibility: route.visibility,
      now: Date.now(),
      head,
      notModified: ifNoneMatch !== null && ifNoneMatchHits(ifNoneMatch, entry.etag),
    });
  }

  #report(error: unknown): undefined {
    try {
      this.#onError?.(error);
    } catch {
      // A throwing error listener must not break the request.
    }
    return undefined;
  }
}
