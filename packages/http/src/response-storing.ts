import { directiveSecondsMs } from './cache-control.js';
import { normalizeHeaderNames, selectingHeaders } from './cache-key.js';
import { answerReceived, storedReuseFacts } from './client-answer.js';
import type { CacheEngine, Exchange } from './exchange.js';
import { type FreshnessFacts, responseDirectives } from './freshness.js';
import { refineRoute } from './http-cache-options.js';
import { markOutcome } from './http-trace.js';
import { readLimitedBody } from './read-limited-body.js';
import { responseTags, stripTagHeaders, withoutTagHeaders } from './response-tags.js';
import { decideStorage } from './storage-policy.js';
import { type StoredResponse, storableHeaders } from './stored-response.js';

/**
 * Stores `response` (the origin's answer to `forwarded`) when the RFC and
 * the route (refined by nested layers) allow it, and answers the client.
 * Tag headers never reach the client; a bad tag or a body over
 * `maxBodyBytes` answers without storing. @internal
 */
export async function storeOrPass(
  engine: CacheEngine,
  exchange: Exchange,
  forwarded: Request,
  response: Response,
  requestTime: number,
  responseTime: number,
): Promise<Response> {
  const route = refineRoute(exchange.route, exchange.scope.nested);
  const { directives, targeted } = responseDirectives(response.headers, engine.targets);
  const facts: FreshnessFacts = {
    status: response.status,
    headers: response.headers,
    directives,
    targeted,
    responseTime,
  };
  const decision = decideStorage(
    forwarded.headers,
    exchange.directives.noStore,
    response,
    facts,
    route,
  );
  const answer = (body: ReadableStream<Uint8Array> | Uint8Array | null): Response => {
    const answered = answerReceived(exchange.request, response, body, exchange.head);
    stripTagHeaders(engine.tagHeaders, answered.headers);
    return answered;
  };
  if (!decision.store) {
    markOutcome(exchange.trace, 'bypass');
    return answer(response.body);
  }
  markOutcome(exchange.trace, 'miss');
  let tags: string[];
  try {
    tags = responseTags(engine.tagHeaders, route.tags, exchange.request, response);
  } catch (error) {
    engine.report(error, 'tags'); // a bad tag (or a throwing tags function): answered, not stored
    return answer(response.body);
  }
  const body = await readLimitedBody(response.body, route.maxBodyBytes);
  if (!body.complete) return answer(body.body);
  const entry: StoredResponse = {
    v: 2,
    status: response.status,
    headers: withoutTagHeaders(engine.tagHeaders, storableHeaders(response.headers)),
    body: body.bytes,
    requestTime,
    responseTime,
    selecting: selectingHeaders(
      normalizeHeaderNames([...route.vary, ...decision.vary]),
      forwarded.headers,
    ),
    ttlMs: route.ttlMs,
    tags: tags.length === 0 ? undefined : tags,
  };
  await writeStored(engine, exchange, entry, forwarded.headers);
  return answer(body.bytes);
}

/**
 * Writes `entry` for the request with `requestHeaders`, kept for its
 * remaining freshness, its `stale-while-revalidate`/`stale-if-error` window
 * and the engine's stale retention. A failing store is reported, never thrown. @internal
 */
export async function writeStored(
  engine: CacheEngine,
  exchange: Exchange,
  entry: StoredResponse,
  requestHeaders: Headers,
): Promise<void> {
  const facts = storedReuseFacts(entry, engine.targets, Date.now());
  const windowMs = Math.max(
    directiveSecondsMs(facts.directives, 'stale-while-revalidate') ?? 0,
    directiveSecondsMs(facts.directives, 'stale-if-error') ?? 0,
  );
  const ttlMs = Math.max(0, facts.lifetimeMs - facts.ageMs) + windowMs + engine.staleRetentionMs;
  try {
    await engine.store.write(exchange.resourceKey, exchange.meta, entry, requestHeaders, ttlMs);
  } catch (error) {
    engine.report(error, 'write');
  }
}
