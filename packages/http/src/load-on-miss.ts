import { isBackendError } from '@cachestack/core';
import { loadKey } from './cache-key.js';
import { withoutConditionals } from './conditional.js';
import { answerFromStore, type CacheEngine, type Exchange } from './exchange.js';
import { storeOrPass } from './response-storing.js';
import { lookupStored, servableNow } from './stored-lookup.js';

/**
 * A miss: one handler run for concurrent requests of this representation
 * (the facade's single-flight `getOrSet`). A request that joined another's
 * load answers from what it stored, or runs the handler itself when that
 * response was not storable. The handler's error is shared, never cached;
 * a failing store is reported and the handler answers. @internal
 */
export async function answerMiss(engine: CacheEngine, exchange: Exchange): Promise<Response> {
  let own: Response | undefined;
  let ran = false;
  try {
    await engine.store.cache.getOrSet<undefined>(
      loadKey(exchange.key),
      async () => {
        ran = true;
        own = await fetchAndStore(engine, exchange);
        return undefined; // the load stores the response itself, under its own key
      },
      { ttlMs: 1000 },
    );
  } catch (error) {
    // The handler's error (ours, or the load we joined) is shared, never cached.
    if (own === undefined && (ran || !isBackendError(error))) throw error;
    engine.report(error, 'load');
  }
  if (own !== undefined) return own;
  // Joined another request's load: it stored the response, or it was not storable.
  const found = await lookupStored(engine, exchange);
  if (found !== undefined && servableNow(engine, exchange, found)) {
    return answerFromStore(exchange, found, 'hit');
  }
  return fetchAndStore(engine, exchange);
}

/** Forwards the request unconditionally (a `GET`) and stores what may be stored. */
async function fetchAndStore(engine: CacheEngine, exchange: Exchange): Promise<Response> {
  const forward = new Request(exchange.request.url, {
    method: 'GET',
    headers: withoutConditionals(exchange.request.headers),
  });
  const requestTime = Date.now();
  const response = await exchange.run(forward);
  return storeOrPass(engine, exchange, forward, response, requestTime, Date.now());
}
