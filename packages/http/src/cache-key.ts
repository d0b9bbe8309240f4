import { createHash } from 'node:crypto';

/** Longest store key (UTF-8 bytes) kept readable; longer keys are hashed. */
const MAX_READABLE_KEY_BYTES = 900;

/**
 * The cache identity of a URL as the client sent it: lowercase host, path and
 * query exactly as received (`?q=a+b` and `?q=a%20b`, `?flag` and `?flag=`, a
 * trailing `&` and parameter order all stay distinct), no scheme, no fragment.
 */
export function urlKey(url: string | URL): string {
  const parsed = new URL(url);
  return `${parsed.host.toLowerCase()}${parsed.pathname}${parsed.search}`;
}

/**
 * An opt-in normalisation for a route `key` function: lowercase host, path,
 * query parameters decoded and sorted by name. Only use it when the origin
 * treats the URLs it merges (`?b=2&a=1` and `?a=1&b=2`, `+` and `%20`) alike.
 *
 * @example
 * ```ts
 * expressCache({ httpCache, key: (request) => normalizeUrl(request.url) })
 * ```
 */
export function normalizeUrl(url: string | URL): string {
  const parsed = new URL(url);
  parsed.searchParams.sort();
  const query = parsed.searchParams.toString();
  return `${parsed.host.toLowerCase()}${parsed.pathname}${query ? `?${query}` : ''}`;
}

/** Lowercase, deduplicated, sorted header names. */
export function normalizeHeaderNames(names: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const name of names) {
    const trimmed = name.trim().toLowerCase();
    if (trimmed) set.add(trimmed);
  }
  return [...set].sort();
}

/** Header names listed in a `Vary` response header, lowercase (may contain `*`). */
export function parseVary(value: string | null): string[] {
  if (!value) return [];
  return normalizeHeaderNames(value.split(','));
}

/** A request header value as compared for `Vary` (RFC 9111 §4.1): whitespace around commas collapsed. */
function varyValue(headers: Headers, name: string): string | null {
  const value = headers.get(name);
  return value === null
    ? null
    : value
        .replace(/\s*,\s*/g, ',')
        .replace(/\s+/g, ' ')
        .trim();
}

/** The request's values of the `names` a response varies on, to store with it. */
export function selectingHeaders(
  names: readonly string[],
  headers: Headers,
): [string, string | null][] {
  return names.map((name) => [name, varyValue(headers, name)]);
}

/** Whether a request matches the selecting header values stored with a response (RFC 9111 §4.1). */
export function varyMatches(stored: readonly [string, string | null][], headers: Headers): boolean {
  return stored.every(([name, value]) => varyValue(headers, name) === value);
}

function boundedKey(key: string): string {
  if (Buffer.byteLength(key) <= MAX_READABLE_KEY_BYTES) return key;
  return `h:${createHash('sha256').update(key).digest('base64url')}`;
}

/** Store key of the per-URL metadata record (generation and learned `Vary`). */
export function metaKey(resourceKey: string): string {
  return boundedKey(`meta:${resourceKey}`);
}

/** Store key of the single-flight marker of one representation (nothing is stored there). */
export function loadKey(variant: string): string {
  return boundedKey(`load:${variant}`);
}

/**
 * Store key of one representation: resource generation, resource key, and the
 * request's values of every header in `varyNames`.
 */
export function variantKey(
  resourceKey: string,
  generation: string,
  varyNames: readonly string[],
  headers: Headers,
): string {
  const parts = varyNames.map(
    (name) => `${name}=${encodeURIComponent(varyValue(headers, name) ?? '\u0000')}`,
  );
  return boundedKey(`rep:${generation}:${resourceKey}#${parts.join('&')}`);
}
