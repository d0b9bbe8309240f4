import {
  type CacheControlDirectives,
  directiveSecondsMs,
  parseAgeMs,
  parseCacheControl,
} from './cache-control.js';
import { parseHttpDate } from './http-date.js';
import { parseTargetedCacheControl } from './targeted-cache-control.js';

/**
 * Statuses that are heuristically cacheable (RFC 9110 §15.1): without explicit
 * freshness they may still get a heuristic lifetime.
 */
export const HEURISTICALLY_CACHEABLE_STATUSES: ReadonlySet<number> = new Set([
  200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501,
]);

/** Statuses a route's explicit `ttlMs` applies to (successful, complete responses). */
export const TTL_OVERRIDE_STATUSES: ReadonlySet<number> = new Set([200, 203, 204]);

/** Share of the time since `Last-Modified` used as a heuristic lifetime (RFC 9111 §4.2.2). */
const HEURISTIC_FRACTION = 0.1;

/** Longest heuristic lifetime, in ms (one day). */
const MAX_HEURISTIC_MS = 86_400_000;

/**
 * The directives that govern a response for this cache: the first targeted
 * field in `targets` that the response carries as a valid Structured Field
 * Dictionary (RFC 9213, e.g. `CDN-Cache-Control`), else `Cache-Control`.
 * `targeted` tells which was used (a targeted field also overrides `Expires`).
 */
export function responseDirectives(
  headers: Headers,
  targets: readonly string[],
): { directives: CacheControlDirectives; targeted: boolean } {
  for (const target of targets) {
    const directives = parseTargetedCacheControl(headers.get(target));
    if (directives !== undefined) return { directives, targeted: true };
  }
  return { directives: parseCacheControl(headers.get('cache-control')), targeted: false };
}

/** Facts about a stored or received response that freshness depends on. */
export interface FreshnessFacts {
  /** Response status. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** The governing directives (see `responseDirectives`). */
  directives: CacheControlDirectives;
  /** Whether `directives` came from a targeted field (then `Expires` is ignored). */
  targeted: boolean;
  /** When the response was received, epoch ms. */
  responseTime: number;
}

/**
 * Whether the response carries explicit freshness for a shared cache:
 * `s-maxage`, `max-age` or `Expires` (any value: an invalid one means stale).
 */
export function hasExplicitFreshness(facts: FreshnessFacts): boolean {
  return (
    facts.directives.has('s-maxage') ||
    facts.directives.has('max-age') ||
    (!facts.targeted && facts.headers.has('expires'))
  );
}

/**
 * The freshness lifetime of a response in a shared cache, in ms (RFC 9111
 * §4.2.1): `s-maxage`, else `max-age`, else `Expires` minus `Date` (an invalid
 * `Expires` means already stale), else `overrideMs` when given (statuses
 * 200, 203, 204 only), else a
 * heuristic of 10% of the time since `Last-Modified` (at most a day) for
 * heuristically cacheable statuses or `public` responses, else 0.
 */
export function freshnessLifetimeMs(facts: FreshnessFacts, overrideMs?: number): number {
  const { directives, headers } = facts;
  if (directives.has('s-maxage') || directives.has('max-age')) {
    // A malformed value (max-age=abc) makes the response stale rather than falling through.
    return (
      directiveSecondsMs(directives, 's-maxage') ?? directiveSecondsMs(directives, 'max-age') ?? 0
    );
  }
  if (!facts.targeted && headers.has('expires')) {
    const expires = parseHttpDate(headers.get('expires'));
    if (expires === undefined) return 0;
    const date = parseHttpDate(headers.get('date')) ?? facts.responseTime;
    return Math.max(0, expires - date);
  }
  if (overrideMs !== undefined && TTL_OVERRIDE_STATUSES.has(facts.status)) return overrideMs;
  if (!HEURISTICALLY_CACHEABLE_STATUSES.has(facts.status) && !directives.has('public')) return 0;
  const lastModified = parseHttpDate(headers.get('last-modified'));
  if (lastModified === undefined) return 0;
  const date = parseHttpDate(headers.get('date')) ?? facts.responseTime;
  if (lastModified > date) return 0;
  return Math.min(MAX_HEURISTIC_MS, Math.floor((date - lastModified) * HEURISTIC_FRACTION));
}

/** Exchange times of a stored response, epoch ms. */
export interface ExchangeTimes {
  /** When the request that got the response was sent. */
  requestTime: number;
  /** When the response was received. */
  responseTime: number;
}

/**
 * The current age of a response, in ms (RFC 9111 §4.2.3): the larger of the
 * apparent age (`responseTime − Date`) and the received `Age` plus the
 * response delay, plus the time it has been stored.
 */
export function currentAgeMs(headers: Headers, times: ExchangeTimes, now: number): number {
  const date = parseHttpDate(headers.get('date'));
  const apparentAge = date === undefined ? 0 : Math.max(0, times.responseTime - date);
  const responseDelay = Math.max(0, times.responseTime - times.requestTime);
  const correctedAge = (parseAgeMs(headers.get('age')) ?? 0) + responseDelay;
  const correctedInitialAge = Math.max(apparentAge, correctedAge);
  return correctedInitialAge + Math.max(0, now - times.responseTime);
}
