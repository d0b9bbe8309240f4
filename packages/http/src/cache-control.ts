/** Parsed `Cache-Control` directives: lowercase name → argument (`true` when it has none). */
export type CacheControlDirectives = ReadonlyMap<string, string | true>;

/** Longest header value parsed, in characters; the rest of a huger value is ignored. */
const MAX_PARSED_LENGTH = 16_384;

/** The largest delta-seconds value (RFC 9111 §1.2.2): 2^31 s. */
const MAX_DELTA_SECONDS = 2_147_483_648;

/**
 * Parses a `Cache-Control` header value (RFC 9111 §5.2) into lowercase
 * directive names and their arguments. Quoted arguments are unquoted; a
 * directive given twice keeps its first value. Malformed parts are skipped;
 * never throws.
 */
export function parseCacheControl(value: string | null | undefined): CacheControlDirectives {
  const directives = new Map<string, string | true>();
  if (typeof value !== 'string' || value === '') return directives;
  const text = value.length > MAX_PARSED_LENGTH ? value.slice(0, MAX_PARSED_LENGTH) : value;
  const pattern = /([^\s=,"]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?\s*(?:,|$)/g;
  for (const match of text.matchAll(pattern)) {
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
 * A delta-seconds directive (`max-age`, `s-maxage`, `stale-while-revalidate`,
 * …) in ms, or `undefined` when it is absent or not a non-negative integer.
 * Values above 2^31 s count as 2^31 s (RFC 9111 §1.2.2).
 */
export function directiveSecondsMs(
  directives: CacheControlDirectives,
  name: string,
): number | undefined {
  const value = directives.get(name);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value), MAX_DELTA_SECONDS) * 1000;
}

/**
 * The `Age` header (RFC 9111 §5.1) in ms: a non-negative integer of seconds
 * (the first of a list), capped at 2^31 s; `undefined` when absent or invalid.
 */
export function parseAgeMs(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const first = value.split(',')[0]?.trim() ?? '';
  if (!/^\d+$/.test(first)) return undefined;
  return Math.min(Number(first), MAX_DELTA_SECONDS) * 1000;
}
