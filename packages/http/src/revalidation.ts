import { loadKey } from './cache-key.js';
import { gatewayTimeout, storedReuseFacts } from './client-answer.js';
import { withoutConditionals } from './conditional.js';
import { answerFromStore, type CacheEngine, type Exchange } from './exchange.js';
import { updateStoredHeaders } from './header-update.js';
import { storeOrPass, writeStored } from './response-storing.js';
import { withoutTagHeaders } from './response-tags.js';
import { mayServeOnError, mayServeStale, type ReuseFacts } from './reuse-policy.js';
import { type StoredResponse, storedHeaders } from './stored-response.js';

/**
 * Validates `stored` with the origin (RFC 9111 §4.3): a conditional request
 * with its `ETag`/`Last-Modified`; a 304 is merged into the stored response,
 * a new response is stored or passed on, and an unreachable or failing
 * origin serves stale where allowed (RFC 9111 §4.2.4, `stale-if-error`). @internal
 */
export async function validateStored(
  engine: CacheEngine,
  exchange: Exchange,
  stored: StoredResponse,
  facts: ReuseFacts,
): Promise<Response> {
  const headers = withoutConditionals(exchange.request.headers);
  const validators = storedHeaders(stored);
  const etag = validators.get('etag');
  const lastModified = validators.get('last-modified');
  if (etag !== null) headers.set('if-none-match', etag);
  if (lastModified !== null) headers.set('if-modified-since', lastModified);
  const conditional = new Request(exchange.request.url, { method: 'GET', headers });
  const requestTime = Date.now();
  let response: Response;
  try {
    response = await exchange.run(conditional);
  } catch {
    // Disconnected from the origin (RFC 9111 §4.2.4): stale is allowed unless forbidden.
    if (!mayServeStale(facts.directives)) return gatewayTimeout();
    return answerFromStore(exchange, stored, 'stale');
  }
  const responseTime = Date.now();
  if (response.status >= 500 && mayServeOnError(facts, exchange.directives)) {
    await response.body?.cancel().catch(() => undefined);
    return answerFromStore(exchange, stored, 'stale');
  }
  if (response.status === 304 && (etag !== null || lastModified !== null)) {
    await response.body?.cancel().catch(() => undefined);
    const updated: StoredResponse = {
      ...stored,
      headers: withoutTagHeaders(
        engine.tagHeaders,
        updateStoredHeaders(stored.headers, response.headers),
      ),
      requestTime,
      responseTime,
    };
    await writeStored(engine, exchange, updated, conditional.headers);
    return answerFromStore(exchange, updated, 'revalidated');
  }
  return storeOrPass(engine, exchange, conditional, response, requestTime, responseTime);
}

/**
 * `stale-while-revalidate`: validates `stored` after the client was answered,
 * once for concurrent requests (the facade's single-flight load); failures
 * are reported, never thrown. @internal
 */
export function revalidateInBackground(
  engine: CacheEngine,
  exchange: Exchange,
  stored: StoredResponse,
): void {
  const facts = storedReuseFacts(stored, engine.targets, Date.now());
  const background: Exchange = {
    ...exchange,
    trace: undefined, // the request that started it is already answered
    head: false,
    directives: { ...exchange.directives, noCache: true },
  };
  engine.store.cache
    .getOrSet<undefined>(
      loadKey(exchange.key),
      async () => {
        const response = await validateStored(engine, background, stored, facts);
        await response.body?.cancel().catch(() => undefined);
        return undefined;
      },
      { ttlMs: 1000 },
    )
    .catch((error: unknown) => engine.report(error, 'revalidate'));
}
