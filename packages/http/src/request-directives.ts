import { directiveSecondsMs, parseCacheControl } from './cache-control.js';

/** What a request's `Cache-Control` (and `Pragma`) asks of a cache (RFC 9111 §5.2.1). */
export interface RequestDirectives {
  /** `no-cache` (or `Pragma: no-cache` without `Cache-Control`): validate before reuse. */
  noCache: boolean;
  /** `no-store`: store nothing from this exchange. */
  noStore: boolean;
  /** `max-age`: largest acceptable age, in ms. */
  maxAgeMs: number | undefined;
  /** `min-fresh`: freshness the response must still have, in ms. */
  minFreshMs: number | undefined;
  /** `max-stale`: how stale a response may be, in ms (`Infinity` without an argument). */
  maxStaleMs: number | undefined;
  /** `only-if-cached`: answer from storage or with 504. */
  onlyIfCached: boolean;
  /** `stale-if-error` (RFC 5861), in ms. */
  staleIfErrorMs: number | undefined;
}

/** Parses the request directives of `headers`; never throws. */
export function parseRequestDirectives(headers: Headers): RequestDirectives {
  const cacheControl = headers.get('cache-control');
  const directives = parseCacheControl(cacheControl);
  const pragmaNoCache =
    cacheControl === null && /(^|,)\s*no-cache\s*(,|$)/i.test(headers.get('pragma') ?? '');
  const maxStale = directives.get('max-stale');
  return {
    noCache: directives.has('no-cache') || pragmaNoCache,
    noStore: directives.has('no-store'),
    maxAgeMs: directiveSecondsMs(directives, 'max-age'),
    minFreshMs: directiveSecondsMs(directives, 'min-fresh'),
    maxStaleMs:
      maxStale === true ? Number.POSITIVE_INFINITY : directiveSecondsMs(directives, 'max-stale'),
    onlyIfCached: directives.has('only-if-cached'),
    staleIfErrorMs: directiveSecondsMs(directives, 'stale-if-error'),
  };
}
