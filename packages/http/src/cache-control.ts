/** Parsed `Cache-Control` directives: lowercase name → argument (`true` when it has none). */
export type CacheControlDirectives = ReadonlyMap<string, string | true>;

/**
 * Parses a `Cache-Control` header value (RFC 9111 §5.2) into lowercase
 * directive names and their arguments. Quoted arguments are unquoted; a
 * directive given twice keeps its first value. Malformed parts are skipped.
 */
export function parseCacheControl(value: string | null | undefined): CacheControlDirectives {
  const directives = new Map<string, string | true>();
  if (!value) return directives;
  const pattern = /([^\s=,]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?\s*(?:,|$)/g;
  for (const match of value.matchAll(pattern)) {
    const name = match[1]?.toLowerCase();
    if (!name || directives.has(name)) continue;
    const quoted = match[2];
    const token = match[3];
    if (quoted !== undefined) directives.set(name, quoted.replace(/\\(.)/g, '$1'));
    else if (token !== undefined && token !== '') directives.set(name, token);
    else directives.set(name, true);
  }
  return directives;
}

/**
 * A delta-seconds directive (`max-age`, `s-maxage`) in ms, or `undefined` when
 * it is absent or not a non-negative integer.
 */
export function directiveSecondsMs(
  directives: CacheControlDirectives,
  name: string,
): number | undefined {
  const value = directives.get(name);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value) * 1000;
}

/** `true` when the request asks to bypass stored responses (`Cache-Control: no-cache` or `max-age=0`, or `Pragma: no-cache`). */
export function requestWantsRevalidation(headers: Headers): boolean {
  const directives = parseCacheControl(headers.get('cache-control'));
  if (directives.has('no-cache')) return true;
  if (directiveSecondsMs(directives, 'max-age') === 0) return true;
  if (
    !headers.has('cache-control') &&
    /(^|,)\s*no-cache\s*(,|$)/i.test(headers.get('pragma') ?? '')
  ) {
    return true;
  }
  return false;
}
