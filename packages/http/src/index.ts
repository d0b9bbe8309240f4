export {
  type CacheControlDirectives,
  directiveSecondsMs,
  parseCacheControl,
  requestWantsRevalidation,
} from './cache-control.js';
export { type AdapterOptions, cacheHandler } from './cache-handler.js';
export { normalizeUrl } from './cache-key.js';
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
export { expressCache, type NodeMiddleware } from './express-middleware.js';
export {
  type FastifyInstanceLike,
  type FastifyReplyLike,
  type FastifyRequestLike,
  fastifyCache,
} from './fastify-plugin.js';
export { type FetchHandler, HttpCache } from './http-cache.js';
export {
  DEFAULT_ROUTE_OPTIONS,
  type HttpCacheOptions,
  type ResolvedRouteOptions,
  type RouteCacheOptions,
} from './http-cache-options.js';
export type { StoredResponse } from './stored-response.js';
