import { createHash } from 'node:crypto';

/** Longest store key (UTF-8 bytes) kept readable; longer keys are hashed. */
const MAX_READABLE_KEY_BYTES = 900;

/**
 * The method-independent identity of a URL: lowercase host, path, query
 * parameters sorted by name (stable), no fragment. Scheme is ignored so a TLS
 * terminating proxy and a direct hit share entries.
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

/** Header names listed in a `Vary` response header (may contain `*`). */
export function parseVary(value: string | null): string[] {
  if (!value) return [];
  return normalizeHeaderNames(value.split(','));
}

function boundedKey(key: string): string {
  if (Buffer.byteLength(key) <= MAX_READABLE_KEY_BYTES) return key;
  return `h:${createHash('sha256').update(key).digest('base64url')}`;
}

/** Store key of the per-URL metadata record (generation and learned `Vary`). */
export function metaKey(urlKey: string): string {
  return boundedKey(`meta:${urlKey}`);
}

/**
 * Store key of one representation: URL generation, URL, and the request's
 * values of every header in `varyNames` (whitespace-collapsed).
 */
export function variantKey(
  urlKey: string,
  generation: string,
  varyNames: readonly string[],
  headers: Headers,
): string {
  const parts = varyNames.map(
    (name) =>
      `${name}=${encodeURIComponent((headers.get(name) ?? '').replace(/\s+/g, ' ').trim())}`,
  );
  return boundedKey(`rep:${generation}:${urlKey}#${parts.join('&')}`);
}
