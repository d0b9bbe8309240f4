import { directiveSecondsMs, parseCacheControl } from './cache-control.js';
import { parseVary } from './cache-key.js';
import type { ResolvedRouteOptions } from './http-cache-options.js';

/** Statuses this cache stores (successful, complete responses). */
const STORABLE_STATUSES = new Set([200, 203, 204]);

/** Whether and for how long a response may be stored. @internal */
export type StorageDecision =
  | { store: true; ttlMs: number; vary: string[] }
  | { store: false; reason: string };

/**
 * Decides whether a shared cache may store `response` to a request with
 * `requestHeaders` (RFC 9111 §3): only successful statuses; never with
 * `no-store`, `private`, `no-cache` or `Vary: *`, nor event streams (never buffered); never with `Set-Cookie` or
 * for an `Authorization` request unless the route allows it. Lifetime:
 * `s-maxage`, else `max-age`, else the route's `ttlMs`; zero means not stored.
 */
export function decideStorage(
  requestHeaders: Headers,
  response: Response,
  route: ResolvedRouteOptions,
): StorageDecision {
  if (!STORABLE_STATUSES.has(response.status)) {
    return { store: false, reason: `status ${response.status}` };
  }
  const directives = parseCacheControl(response.headers.get('cache-control'));
  for (const name of ['no-store', 'private', 'no-cache']) {
    if (directives.has(name)) return { store: false, reason: name };
  }
  if (/^\s*text\/event-stream/i.test(response.headers.get('content-type') ?? '')) {
    return { store: false, reason: 'event stream' };
  }
  const vary = parseVary(response.headers.get('vary'));
  if (vary.includes('*')) return { store: false, reason: 'Vary: *' };
  if (!route.allowSetCookie && response.headers.getSetCookie().length > 0) {
    return { store: false, reason: 'Set-Cookie' };
  }
  if (
    requestHeaders.has('authorization') &&
    !route.allowAuthorization &&
    !directives.has('public') &&
    !directives.has('s-maxage') &&
    !directives.has('must-revalidate')
  ) {
    return { store: false, reason: 'Authorization' };
  }
  const ttlMs =
    directiveSecondsMs(directives, 's-maxage') ??
    directiveSecondsMs(directives, 'max-age') ??
    route.ttlMs;
  if (ttlMs <= 0) return { store: false, reason: 'max-age=0' };
  return { store: true, ttlMs, vary };
}
