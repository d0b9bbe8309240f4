import { type CacheControlDirectives, directiveSecondsMs } from './cache-control.js';
import type { RequestDirectives } from './request-directives.js';

/** What to do with a stored response that matches a request. @internal */
export type ReuseDecision =
  /** Serve it as is (fresh, or stale within the client's `max-stale`). */
  | 'serve'
  /** Serve it stale and revalidate in the background (`stale-while-revalidate`). */
  | 'serve-stale-revalidate'
  /** Validate it with the origin first. */
  | 'revalidate';

/** A stored response's age and lifetime, in ms, and its governing directives. */
export interface ReuseFacts {
  ageMs: number;
  lifetimeMs: number;
  directives: CacheControlDirectives;
}

/**
 * Whether a shared cache may serve a stale response without validation:
 * never with `must-revalidate`, `proxy-revalidate`, `s-maxage` (RFC 9111
 * §5.2.2.2, §5.2.2.8, §5.2.2.10) or `no-cache`.
 */
export function mayServeStale(directives: CacheControlDirectives): boolean {
  return !(
    directives.has('must-revalidate') ||
    directives.has('proxy-revalidate') ||
    directives.has('s-maxage') ||
    directives.has('no-cache')
  );
}

/**
 * Decides how a stored response may satisfy a request (RFC 9111 §4.2, §4.3,
 * §5.2.1, RFC 5861): `no-cache` on either side, a request `max-age` the age
 * exceeds, or a `min-fresh` it cannot meet mean validation; a fresh response
 * is served; a stale one is served only within the request's `max-stale` or
 * the response's `stale-while-revalidate`, and never when it must be
 * revalidated.
 */
export function decideReuse(facts: ReuseFacts, request: RequestDirectives): ReuseDecision {
  const { ageMs, lifetimeMs, directives } = facts;
  if (directives.has('no-cache') || request.noCache) return 'revalidate';
  if (request.maxAgeMs !== undefined && ageMs > request.maxAgeMs) return 'revalidate';
  if (request.minFreshMs !== undefined && lifetimeMs - ageMs < request.minFreshMs) {
    return 'revalidate';
  }
  if (ageMs < lifetimeMs) return 'serve';
  if (!mayServeStale(directives)) return 'revalidate';
  const staleMs = ageMs - lifetimeMs;
  if (request.maxStaleMs !== undefined && staleMs <= request.maxStaleMs) return 'serve';
  const whileRevalidateMs = directiveSecondsMs(directives, 'stale-while-revalidate');
  if (whileRevalidateMs !== undefined && staleMs < whileRevalidateMs) {
    return 'serve-stale-revalidate';
  }
  return 'revalidate';
}

/**
 * Whether a stale response may be served when validation fails with a 5xx or
 * no answer (RFC 5861 `stale-if-error`, from the response or the request).
 */
export function mayServeOnError(facts: ReuseFacts, request: RequestDirectives): boolean {
  if (!mayServeStale(facts.directives)) return false;
  const staleMs = Math.max(0, facts.ageMs - facts.lifetimeMs);
  const windows = [directiveSecondsMs(facts.directives, 'stale-if-error'), request.staleIfErrorMs];
  return windows.some((windowMs) => windowMs !== undefined && staleMs < windowMs);
}
