/** Hop-by-hop header fields (RFC 9110 §7.6.1), plus the obsolete ones still seen. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The hop-by-hop field names (lowercase) of a message whose `Connection`
 * header is `connection`: the fixed list plus the names it lists.
 */
export function hopByHopNames(connection: string | null): Set<string> {
  const names = new Set(HOP_BY_HOP);
  for (const name of (connection ?? '').split(',')) {
    const trimmed = name.trim().toLowerCase();
    if (trimmed) names.add(trimmed);
  }
  return names;
}

/** A copy of `headers` without hop-by-hop fields (RFC 9110 §7.6.1), `Connection`-named ones included. */
export function withoutHopByHop(headers: Headers): Headers {
  const drop = hopByHopNames(headers.get('connection'));
  const out = new Headers();
  headers.forEach((value, name) => {
    if (!drop.has(name)) out.append(name, value);
  });
  return out;
}
