import { createHash } from 'node:crypto';

/** One parsed entity tag. */
export interface EntityTag {
  /** `true` for `W/"…"`. */
  weak: boolean;
  /** The opaque tag, without quotes. */
  opaque: string;
}

/**
 * Parses one entity tag (`"abc"` or `W/"abc"`), or `undefined` when malformed.
 */
export function parseEntityTag(value: string): EntityTag | undefined {
  const match = /^\s*(W\/)?"([^"]*)"\s*$/.exec(value);
  if (!match) return undefined;
  return { weak: match[1] !== undefined, opaque: match[2] ?? '' };
}

/**
 * Parses an `If-Match` / `If-None-Match` value: `'*'`, or the list of
 * well-formed entity tags in it (malformed members are skipped).
 */
export function parseEntityTagList(value: string): '*' | EntityTag[] {
  if (value.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  for (const match of value.matchAll(/(W\/)?"([^"]*)"/g)) {
    tags.push({ weak: match[1] !== undefined, opaque: match[2] ?? '' });
  }
  return tags;
}

/** Weak comparison (RFC 9110 §8.8.3.2): opaque tags equal, weakness ignored. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/** Strong comparison (RFC 9110 §8.8.3.2): both strong and opaque tags equal. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/**
 * `If-None-Match` evaluation (RFC 9110 §13.1.2) for a current representation
 * with entity tag `current`: `true` when the condition is false, i.e. the
 * client's copy matches (weak comparison, `*` matches any) and a 304 applies.
 */
export function ifNoneMatchHits(headerValue: string, current: string): boolean {
  const list = parseEntityTagList(headerValue);
  if (list === '*') return true;
  const tag = parseEntityTag(current);
  return tag !== undefined && list.some((candidate) => weakMatch(candidate, tag));
}

/**
 * `If-Match` evaluation (RFC 9110 §13.1.1) for a current representation with
 * entity tag `current`: `true` when the condition holds (strong comparison,
 * `*` matches any); `false` means 412 Precondition Failed.
 */
export function ifMatchHolds(headerValue: string, current: string): boolean {
  const list = parseEntityTagList(headerValue);
  if (list === '*') return true;
  const tag = parseEntityTag(current);
  return tag !== undefined && list.some((candidate) => strongMatch(candidate, tag));
}

/** A strong entity tag for `body`: the quoted base64url SHA-256 of the bytes. */
export function computeEntityTag(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}
