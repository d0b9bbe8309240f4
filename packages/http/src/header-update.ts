import { hopByHopNames } from './hop-by-hop.js';

/** Fields a 304 or HEAD response never changes in a stored response (RFC 9111 §3.2). */
const NOT_UPDATED = new Set(['content-length', 'set-cookie']);

/**
 * Freshens stored headers with those of a 304 (or a HEAD) response (RFC 9111
 * §3.2, §4.3.4): every field in `update` replaces the stored field of that
 * name, except hop-by-hop fields, `Set-Cookie` and `Content-Length`.
 */
export function updateStoredHeaders(
  stored: readonly [string, string][],
  update: Headers,
): [string, string][] {
  const drop = hopByHopNames(update.get('connection'));
  const replaced = new Map<string, string>();
  update.forEach((value, name) => {
    if (!drop.has(name) && !NOT_UPDATED.has(name)) replaced.set(name, value);
  });
  const merged: [string, string][] = stored.filter(([name]) => !replaced.has(name));
  for (const entry of replaced) merged.push(entry);
  return merged;
}
