import { ifNoneMatchHits } from './entity-tag.js';
import { parseHttpDate } from './http-date.js';

/** Request headers that make a request conditional (RFC 9110 §13.1). */
export const CONDITIONAL_HEADERS: readonly string[] = [
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
];

/** Outcome of a client's preconditions against a response this cache has. */
export type ClientCondition = 'full' | 'not-modified';

/**
 * Evaluates a client's `If-None-Match` and `If-Modified-Since` (RFC 9110
 * §13.2.2) against a complete 200 response with `headers`: `If-None-Match`
 * matches with 304 (weak comparison, `*` matches), else `If-Modified-Since`
 * gives 304 when `Last-Modified` is not later (for a stored response received
 * at `receivedAt`, else its `Date`, else that time). Other statuses are `'full'`.
 * (`If-Match`, `If-Unmodified-Since`, `If-Range` and `Range` requests are
 * passed to the origin as they are.)
 */
export function evaluateClientConditions(
  request: Headers,
  status: number,
  headers: Headers,
  receivedAt?: number,
): ClientCondition {
  if (status !== 200) return 'full';
  const etag = headers.get('etag');
  const ifNoneMatch = request.get('if-none-match');
  if (ifNoneMatch !== null) {
    if (ifNoneMatch.trim() === '*') return 'not-modified';
    return etag !== null && ifNoneMatchHits(ifNoneMatch, etag) ? 'not-modified' : 'full';
  }
  const since = parseHttpDate(request.get('if-modified-since'));
  // A stored response without Last-Modified is dated by Date, else by when it was received (RFC 9111 §4.3.2).
  const lastModified =
    parseHttpDate(headers.get('last-modified')) ??
    (receivedAt === undefined ? undefined : (parseHttpDate(headers.get('date')) ?? receivedAt));
  if (since !== undefined && lastModified !== undefined && lastModified <= since) {
    return 'not-modified';
  }
  return 'full';
}

/** A copy of `headers` without the client's conditional headers. */
export function withoutConditionals(headers: Headers): Headers {
  const copy = new Headers(headers);
  for (const name of CONDITIONAL_HEADERS) copy.delete(name);
  copy.delete('range');
  return copy;
}
