import type { CacheControlDirectives } from './cache-control.js';

/** Longest targeted field parsed, in characters; longer ones are ignored. */
const MAX_FIELD_LENGTH = 16_384;

const KEY = /^[a-z*][a-z0-9_\-.*]*/;
const INTEGER = /^-?\d{1,15}(?![\d.])/;
const DECIMAL = /^-?\d{1,12}\.\d{1,3}(?!\d)/;
const STRING = /^"(?:[ !#-[\]-~]|\\["\\])*"/;
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/;
const BYTES = /^:[A-Za-z0-9+/=]*:/;
const BOOLEAN = /^\?[01]/;

/** One bare item at the start of `text`: its text and its directive value. */
function bareItem(text: string): { length: number; value: string | true | undefined } | undefined {
  const integer = INTEGER.exec(text);
  if (integer) return { length: integer[0].length, value: integer[0] };
  for (const pattern of [DECIMAL, STRING, TOKEN, BYTES]) {
    const match = pattern.exec(text);
    // Kept verbatim (quotes included), so a non-integer never reads as delta-seconds.
    if (match) return { length: match[0].length, value: match[0] };
  }
  const boolean = BOOLEAN.exec(text);
  if (boolean) return { length: 2, value: boolean[0] === '?1' ? true : undefined };
  return undefined;
}

/**
 * Parses a targeted cache-control field such as `CDN-Cache-Control` (RFC
 * 9213): a Structured Field Dictionary (RFC 8941). Returns its directives (an
 * integer value as its digits, `true` for a bare or `?1` member, anything
 * else verbatim so it never passes as delta-seconds), or `undefined` when the
 * field is absent or not a valid dictionary, in which case it is ignored.
 */
export function parseTargetedCacheControl(
  value: string | null | undefined,
): CacheControlDirectives | undefined {
  if (typeof value !== 'string' || value.length > MAX_FIELD_LENGTH) return undefined;
  let rest = value.replace(/^[ \t]+|[ \t]+$/g, '');
  if (rest === '') return undefined;
  const directives = new Map<string, string | true>();
  for (;;) {
    const key = KEY.exec(rest);
    if (!key) return undefined;
    rest = rest.slice(key[0].length);
    let item: string | true | undefined = true;
    if (rest.startsWith('=')) {
      const parsed = bareItem(rest.slice(1));
      if (parsed === undefined) return undefined;
      item = parsed.value;
      rest = rest.slice(1 + parsed.length);
    }
    // Parameters are allowed and ignored.
    while (rest.startsWith(';')) {
      rest = rest.slice(1).replace(/^ +/, '');
      const param = KEY.exec(rest);
      if (!param) return undefined;
      rest = rest.slice(param[0].length);
      if (rest.startsWith('=')) {
        const parsed = bareItem(rest.slice(1));
        if (parsed === undefined) return undefined;
        rest = rest.slice(1 + parsed.length);
      }
    }
    // The last value of a repeated key wins (RFC 8941 §4.2.2).
    if (item === undefined) directives.delete(key[0]);
    else directives.set(key[0], item);
    rest = rest.replace(/^[ \t]+/, '');
    if (rest === '') return directives;
    if (!rest.startsWith(',')) return undefined;
    rest = rest.slice(1).replace(/^[ \t]+/, '');
    if (rest === '') return undefined;
  }
}
