import { parseSingleByteRange } from './byte-range.js';
import { answerStored, gatewayTimeout, storedReuseFacts } from './client-answer.js';
import type { CacheEngine, Exchange } from './exchange.js';
import { responseDirectives } from './freshness.js';
import { markOutcome } from './http-trace.js';
import { decideReuse } from './reuse-policy.js';
import { unsharedCredential } from './storage-policy.js';
import { type StoredResponse, storedHeaders } from './stored-response.js';

/**
 * The stored response for this request, if any may serve it: the variant it
 * selects, never one stored for other credentials (or none) unless shared.
 * A failing store is reported and reads as a miss. @internal
 */
export async function lookupStored(
  engine: CacheEngine,
  exchange: Exchange,
): Promise<StoredResponse | undefined> {
  let found: StoredResponse | undefined;
  try {
    found = await engine.store.lookup(exchange.key, exchange.request.headers);
  } catch (error) {
    engine.report(error, 'lookup');
    return undefined;
  }
  if (found === undefined) return undefined;
  const { directives } = responseDirectives(storedHeaders(found), engine.targets);
  const selectedOn = found.selecting.map(([name]) => name);
  const headers = exchange.request.headers;
  if (unsharedCredential(headers, directives, selectedOn, exchange.route) !== undefined) {
    return undefined;
  }
  return found;
}

/** Whether `stored` may answer `exchange` now as it is (fresh, or allowed stale by the request). @internal */
export function servableNow(
  engine: CacheEngine,
  exchange: Exchange,
  stored: StoredResponse,
): boolean {
  const facts = storedReuseFacts(stored, engine.targets, Date.now());
  return decideReuse(facts, exchange.directives) === 'serve';
}

/**
 * A `Range` request (`value` is its header): one byte range served from a
 * fresh stored complete 200 (RFC 9111 §3.4 allows it); anything else goes to
 * the origin as it is, and its answer (a 206 or not) is never stored. @internal
 */
export function answerRange(
  engine: CacheEngine,
  exchange: Exchange,
  found: StoredResponse | undefined,
  value: string,
): Promise<Response> | Response {
  if (found !== undefined && found.status === 200) {
    const range = parseSingleByteRange(value, found.body.byteLength);
    if (range !== undefined && servableNow(engine, exchange, found)) {
      markOutcome(exchange.trace, 'hit');
      return answerStored(exchange.request, found, exchange.head, range);
    }
  }
  if (exchange.directives.onlyIfCached) return gatewayTimeout();
  return exchange.run(exchange.request);
}
