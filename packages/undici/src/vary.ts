/** One request header value as undici keeps it: lower-case name, string or list, `null` when absent. */
export type HeaderValue = string | string[] | null | undefined;

/** The request header values a stored response was selected by (its `Vary`), by lower-case name. */
export type VaryValues = Record<string, string | string[] | null>;

function headerValueEquals(left: HeaderValue, right: HeaderValue): boolean {
  if (left == null || right == null) return left == null && right == null;
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) {
      return false;
    }
    return left.every((item, index) => item === right[index]);
  }
  return left === right;
}

/**
 * Whether a request with `headers` may be served a response stored with
 * `vary` (RFC 9111 §4.1): every header the response varies on has the same
 * value in the request (absent matches absent). No `vary` matches every
 * request. The same rule as undici's `MemoryCacheStore`.
 */
export function varyMatches(
  headers: Record<string, string | string[]> | undefined,
  vary: VaryValues | undefined,
): boolean {
  if (vary == null) return true;
  for (const name of Object.keys(vary)) {
    if (!headerValueEquals(headers?.[name], vary[name])) return false;
  }
  return true;
}
