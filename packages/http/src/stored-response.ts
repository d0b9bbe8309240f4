import type { ByteRange } from './byte-range.js';
import { hopByHopNames } from './hop-by-hop.js';

/** A cached representation, as serialized with the facade's serializer. */
export interface StoredResponse {
  /** Format version. */
  v: 2;
  /** HTTP status code. */
  status: number;
  /** Response headers as received (lowercase names, origin's values), minus hop-by-hop, `Set-Cookie` and `Content-Length`. */
  headers: [string, string][];
  /** The full body. */
  body: Uint8Array;
  /** When the request that got this response was sent (epoch ms). */
  requestTime: number;
  /** When the response was received (epoch ms). */
  responseTime: number;
  /** The request's values of the headers the response varies on (RFC 9111 §4.1). */
  selecting: [string, string | null][];
  /** The route's `ttlMs` when it set one: overrides heuristic freshness. */
  ttlMs?: number | undefined;
  /** The response's tags (kept so that a revalidated copy keeps them). */
  tags?: string[] | undefined;
}

/** Headers never stored besides hop-by-hop ones: cookies and framing the cache recomputes. */
const NOT_STORED = new Set(['set-cookie', 'content-length']);

/** The storable headers of `headers`: all but hop-by-hop ones, `Set-Cookie` and `Content-Length`. */
export function storableHeaders(headers: Headers): [string, string][] {
  const drop = hopByHopNames(headers.get('connection'));
  const kept: [string, string][] = [];
  headers.forEach((value, name) => {
    if (!NOT_STORED.has(name) && !drop.has(name)) kept.push([name, value]);
  });
  return kept;
}

/** Whether `value` is a {@link StoredResponse} (anything else in the store is ignored). */
export function isStoredResponse(value: unknown): value is StoredResponse {
  const entry = value as StoredResponse | undefined;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    entry.v === 2 &&
    typeof entry.status === 'number' &&
    Array.isArray(entry.headers) &&
    entry.body instanceof Uint8Array &&
    typeof entry.requestTime === 'number' &&
    typeof entry.responseTime === 'number' &&
    Array.isArray(entry.selecting)
  );
}

/** The stored headers as a `Headers` object. */
export function storedHeaders(entry: StoredResponse): Headers {
  const headers = new Headers();
  for (const [name, value] of entry.headers) headers.append(name, value);
  return headers;
}

/** Headers a 304 carries (RFC 9110 §15.4.5). */
const NOT_MODIFIED_HEADERS = new Set([
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
  'last-modified',
  'cdn-cache-control',
]);

/** A 304 carrying the headers of `headers` that RFC 9110 §15.4.5 lists (and `Age`). */
export function notModified(headers: Headers): Response {
  const kept = new Headers();
  headers.forEach((value, name) => {
    if (NOT_MODIFIED_HEADERS.has(name) || name === 'age') kept.append(name, value);
  });
  return new Response(null, { status: 304, headers: kept });
}

/**
 * Builds the response for a stored entry: the origin's status and headers as
 * stored, plus `Age` (whole seconds) and `Content-Length`; a 304 keeps only
 * the headers RFC 9110 §15.4.5 lists; with `range`, a 206 of those bytes.
 */
export function renderStored(
  entry: StoredResponse,
  options: { ageMs: number; head: boolean; notModified: boolean; range?: ByteRange | undefined },
): Response {
  const headers = new Headers();
  for (const [name, value] of entry.headers) {
    if (name !== 'age') headers.append(name, value);
  }
  headers.set('age', String(Math.max(0, Math.floor(options.ageMs / 1000))));
  if (options.notModified) return notModified(headers);
  const { range } = options;
  if (range !== undefined) {
    const size = entry.body.byteLength;
    headers.set('content-range', `bytes ${range.start}-${range.end}/${size}`);
    headers.set('content-length', String(range.end - range.start + 1));
    const slice = options.head ? null : entry.body.subarray(range.start, range.end + 1);
    return new Response(slice, { status: 206, headers });
  }
  const nullBody = entry.status === 204 || entry.status === 205 || entry.status === 304;
  if (!nullBody) headers.set('content-length', String(entry.body.byteLength));
  const body = options.head || nullBody ? null : entry.body;
  return new Response(body, { status: entry.status, headers });
}
