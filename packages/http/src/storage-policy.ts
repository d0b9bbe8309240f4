import type { CacheControlDirectives } from './cache-control.js';
import { parseVary } from './cache-key.js';
import {
  type FreshnessFacts,
  freshnessLifetimeMs,
  HEURISTICALLY_CACHEABLE_STATUSES,
  hasExplicitFreshness,
  TTL_OVERRIDE_STATUSES,
} from './freshness.js';
import type { ResolvedRouteOptions } from './http-cache-options.js';

/** Whether a response may be stored, and if so its lifetime and `Vary` names. @internal */
export type StorageDecision =
  | { store: true; lifetimeMs: number; vary: string[] }
  | { store: false; reason: string };

/** Statuses whose caching requirements this cache implements (for `must-understand`). */
const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([
  200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501,
]);

/** Request headers that carry credentials: a response to them is personal unless it says otherwise. */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'cookie'];

/**
 * The credential header (`authorization`, `cookie`) of a request that a
 * response with `directives`, selected on `keyedOn` header names, must not be
 * shared across: one the request carries that the response is not keyed on,
 * unless the response allows sharing (`public`, `s-maxage`, `must-revalidate`:
 * RFC 9111 §3.5) or the route has its own key function. `undefined` when the
 * response may be shared with (stored from, or served to) this request.
 */
export function unsharedCredential(
  requestHeaders: Headers,
  directives: CacheControlDirectives,
  keyedOn: readonly string[],
  route: ResolvedRouteOptions,
): string | undefined {
  if (route.key !== undefined) return undefined;
  if (directives.has('public') || directives.has('s-maxage') || directives.has('must-revalidate')) {
    return undefined;
  }
  return CREDENTIAL_HEADERS.find((name) => requestHeaders.has(name) && !keyedOn.includes(name));
}

/**
 * Decides whether this shared cache may store `response` to a `GET` whose
 * request headers are `requestHeaders` (RFC 9111 §3):
 * - never a 206 (partial content is not a full response), 1xx or 304;
 * - never with `no-store` (response or request; a response's is overridden by
 *   `must-understand` on a status this cache implements) or `private`, nor `Vary: *`,
 *   nor an event stream, nor with `Set-Cookie` unless `allowSetCookie`;
 * - a response to a request carrying credentials (`Authorization`, `Cookie`)
 *   only when it allows sharing (`public`, `s-maxage`, `must-revalidate`: §3.5)
 *   or the route keys on them (its `key` function, or `Vary`/route `vary`
 *   naming every credential header the request carries);
 * - only with explicit freshness, `public`, a heuristically cacheable status
 *   or the route's `ttlMs`; a response that is not fresh at all is kept only
 *   when it has a validator (`ETag`/`Last-Modified`) to revalidate with.
 */
export function decideStorage(
  requestHeaders: Headers,
  requestNoStore: boolean,
  response: Response,
  facts: FreshnessFacts,
  route: ResolvedRouteOptions,
): StorageDecision {
  const { status } = response;
  if (status < 200 || status === 206 || status === 304) {
    return { store: false, reason: `status ${status}` };
  }
  const { directives } = facts;
  if (requestNoStore) return { store: false, reason: 'request no-store' };
  if (directives.has('must-understand')) {
    // RFC 9111 §5.2.2.3: no-store is overridden only for statuses this cache implements.
    if (!UNDERSTOOD_STATUSES.has(status)) return { store: false, reason: 'must-understand' };
  } else if (directives.has('no-store')) {
    return { store: false, reason: 'no-store' };
  }
  if (directives.has('private')) return { store: false, reason: 'private' };
  if (/^\s*text\/event-stream/i.test(response.headers.get('content-type') ?? '')) {
    return { store: false, reason: 'event stream' };
  }
  const vary = parseVary(response.headers.get('vary'));
  if (vary.includes('*')) return { store: false, reason: 'Vary: *' };
  if (!route.allowSetCookie && response.headers.has('set-cookie')) {
    return { store: false, reason: 'Set-Cookie' };
  }
  const personal = unsharedCredential(requestHeaders, directives, [...vary, ...route.vary], route);
  if (personal !== undefined) return { store: false, reason: `request ${personal}` };
  const allowed =
    hasExplicitFreshness(facts) ||
    directives.has('public') ||
    HEURISTICALLY_CACHEABLE_STATUSES.has(status) ||
    (route.ttlMs !== undefined && TTL_OVERRIDE_STATUSES.has(status));
  if (!allowed) return { store: false, reason: 'no freshness information' };
  const lifetimeMs = freshnessLifetimeMs(facts, route.ttlMs);
  const validator = response.headers.has('etag') || response.headers.has('last-modified');
  if (lifetimeMs <= 0 && !validator && !directives.has('stale-if-error')) {
    return { store: false, reason: 'not fresh and no validator' };
  }
  return { store: true, lifetimeMs, vary };
}
