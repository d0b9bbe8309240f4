/** A cached representation, as serialized with the facade's serializer. */
export interface StoredResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers, lowercase names, minus hop-by-hop, `Set-Cookie`, `Age`, `Cache-Control`, `ETag`, `Content-Length`. */
  headers: [string, string][];
  /** The full body. */
  body: Uint8Array;
  /** When the response was stored (epoch ms). */
  createdAt: number;
  /** When it stops being fresh (epoch ms). */
  expiresAt: number;
  /** The representation's entity tag (quoted, possibly `W/`). */
  etag: string;
}

/** Headers that are never stored (RFC 9111 §3.1 hop-by-hop, plus ones this cache rewrites). */
const NOT_STORED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'age',
  'cache-control',
  'etag',
  'content-length',
  'date',
]);

/** Headers a 304 carries (RFC 9110 §15.4.5), besides ETag, Cache-Control and Age. */
const NOT_MODIFIED_HEADERS = new Set(['content-location', 'expires', 'vary', 'last-modified']);

/** The storable headers of `headers`, also dropping those named in `Connection`. */
export function storableHeaders(headers: Headers): [string, string][] {
  const connectionNamed = new Set(
    (headers.get('connection') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const kept: [string, string][] = [];
  headers.forEach((value, name) => {
    if (!NOT_STORED.has(name) && !connectionNamed.has(name)) kept.push([name, value]);
  });
  return kept;
}

/** How a stored response is rendered. */
export interface RenderOptions {
  /** `Cache-Control` visibility sent downstream. */
  visibility: 'public' | 'private';
  /** Current time (epoch ms). */
  now: number;
  /** Leave the body out (HEAD). */
  head: boolean;
  /** Answer 304 Not Modified. */
  notModified: boolean;
}

/** Builds the response for a stored entry, with `ETag`, `Age` and `Cache-Control`. */
export function renderStored(entry: StoredResponse, options: RenderOptions): Response {
  const headers = new Headers();
  for (const [name, value] of entry.headers) {
    if (!options.notModified || NOT_MODIFIED_HEADERS.has(name)) headers.append(name, value);
  }
  const ageSeconds = Math.max(0, Math.floor((options.now - entry.createdAt) / 1000));
  const remainingSeconds = Math.max(0, Math.floor((entry.expiresAt - options.now) / 1000));
  headers.set('etag', entry.etag);
  headers.set('age', String(ageSeconds));
  headers.set('cache-control', `${options.visibility}, max-age=${remainingSeconds}`);
  headers.set('date', new Date(entry.createdAt).toUTCString());
  if (options.notModified) return new Response(null, { status: 304, headers });
  const nullBody = entry.status === 204 || entry.status === 205;
  if (!nullBody) headers.set('content-length', String(entry.body.byteLength));
  const body = options.head || nullBody ? null : entry.body;
  return new Response(body, { status: entry.status, headers });
}
