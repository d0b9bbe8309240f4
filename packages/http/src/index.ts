export {
  type CacheControlDirectives,
  directiveSecondsMs,
  parseAgeMs,
  parseCacheControl,
} from './cache-control.js';
export { type AdapterOptions, cacheHandler } from './cache-handler.js';
export { normalizeUrl, urlKey } from './cache-key.js';
export {
  computeEntityTag,
  type EntityTag,
  ifMatchHolds,
  ifNoneMatchHits,
  parseEntityTag,
  parseEntityTagList,
  strongMatch,
  weakMatch,
} from './entity-tag.js';
export type { FetchHandler, HandleScope } from './exchange.js';
export { expressCache, type NodeMiddleware } from './express-middleware.js';
export {
  type FastifyInstanceLike,
  type FastifyReplyLike,
  type FastifyRequestLike,
  fastifyCache,
} from './fastify-plugin.js';
export {
  currentAgeMs,
  type ExchangeTimes,
  type FreshnessFacts,
  freshnessLifetimeMs,
  HEURISTICALLY_CACHEABLE_STATUSES,
} from './freshness.js';
export { type HandleOptions, HttpCache } from './http-cache.js';
export {
  type CacheKeyFunction,
  DEFAULT_ROUTE_OPTIONS,
  type HttpCacheOptions,
  type ResolvedRouteOptions,
  type RouteCacheOptions,
} from './http-cache-options.js';
export { formatHttpDate, parseHttpDate } from './http-date.js';
export { parseRequestDirectives, type RequestDirectives } from './request-directives.js';
export { DEFAULT_TAG_HEADERS, type ResponseTagFunction } from './response-tags.js';
export {
  createReverseProxy,
  type ReverseProxy,
  type ReverseProxyOptions,
} from './reverse-proxy.js';
export type { StoredResponse } from './stored-response.js';
