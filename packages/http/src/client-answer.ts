import type { ByteRange } from './byte-range.js';
import { evaluateClientConditions } from './conditional.js';
import { currentAgeMs, freshnessLifetimeMs, responseDirectives } from './freshness.js';
import { withoutHopByHop } from './hop-by-hop.js';
import type { ReuseFacts } from './reuse-policy.js';
import {
  notModified,
  renderStored,
  type StoredResponse,
  storedHeaders,
} from './stored-response.js';

/** The answer when nothing stored may be used and the origin may not be asked (RFC 9111 §5.2.1.7, §4.2.4). */
export function gatewayTimeout(): Response {
  return new Response(null, { status: 504, statusText: 'Gateway Timeout' });
}

/** A stored response's age, lifetime and governing directives now (`targets`: targeted fields obeyed). */
export function storedReuseFacts(
  entry: StoredResponse,
  targets: readonly string[],
  now: number,
): ReuseFacts {
  const headers = storedHeaders(entry);
  const { directives, targeted } = responseDirectives(headers, targets);
  const lifetimeMs = freshnessLifetimeMs(
    { status: entry.status, headers, directives, targeted, responseTime: entry.responseTime },
    entry.ttlMs,
  );
  return { ageMs: currentAgeMs(headers, entry, now), lifetimeMs, directives };
}

/**
 * A stored response as the client gets it: with its current `Age`, a 304
 * when the client's `If-None-Match`/`If-Modified-Since` match, no body for
 * `HEAD`, or the byte `range` as a 206.
 */
export function answerStored(
  request: Request,
  entry: StoredResponse,
  head: boolean,
  range?: ByteRange,
): Response {
  const headers = storedHeaders(entry);
  const condition =
    range === undefined
      ? evaluateClientConditions(request.headers, entry.status, headers, entry.responseTime)
      : 'full';
  return renderStored(entry, {
    ageMs: currentAgeMs(headers, entry, Date.now()),
    head,
    notModified: condition === 'not-modified',
    range,
  });
}

/**
 * A response just received from the origin as the client gets it (its own
 * `Set-Cookie` included, hop-by-hop fields removed): a 304 when the client's
 * conditions match, no body for `HEAD`, else `body` (the bytes read for
 * storage, or the stream).
 */
export function answerReceived(
  request: Request,
  response: Response,
  body: ReadableStream<Uint8Array> | Uint8Array | null,
  head: boolean,
): Response {
  const headers = withoutHopByHop(response.headers);
  const condition = evaluateClientConditions(request.headers, response.status, headers);
  if (condition === 'not-modified' || head) {
    if (body instanceof ReadableStream) body.cancel().catch(() => undefined);
    if (condition === 'not-modified') return notModified(headers);
    return new Response(null, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
  if (body instanceof Uint8Array) headers.set('content-length', String(body.byteLength));
  const nullBody = response.status === 204 || response.status === 205 || response.status === 304;
  return new Response(nullBody ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
