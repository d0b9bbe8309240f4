import {
  type OperationTraceContext,
  type OperationTracer,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import { urlKey } from './cache-key.js';

/**
 * How the HTTP cache handled one request, as traced on `cachestack:http`:
 * `hit` (a stored response served), `miss` (the handler answered a
 * cacheable request), `stale` (a stale response served: while revalidating,
 * or because the origin failed), `revalidated` (a 304 from the origin merged
 * into the stored response), `bypass` (the request or the response is not
 * cacheable: other methods, conditional headers the cache does not
 * evaluate, `no-store`, a store failure, ...). A request whose handler
 * throws ends with `error`.
 */
export type HttpTraceOutcome = 'hit' | 'miss' | 'stale' | 'revalidated' | 'bypass';

/** The layer name traced as `backendType` on `cachestack:http`. */
export const HTTP_TRACE_LAYER = 'http';

/** The channel the HTTP cache traces on. */
export const HTTP_TRACING_CHANNEL = TRACING_CHANNEL_NAMES.http;

/** Records how the request was handled (a no-op when it is not traced). */
export function markOutcome(
  trace: OperationTraceContext | undefined,
  outcome: HttpTraceOutcome,
): void {
  if (trace !== undefined) trace.outcome = outcome;
}

/**
 * Runs `handle` traced as one operation: `operation` is the method, `key`
 * the cache key of the URL (host, path and query, as sent: never a header,
 * so never a cookie or credential), and `status` the status answered.
 */
export function traceRequest(
  tracer: OperationTracer,
  request: Request,
  handle: (trace: OperationTraceContext) => Promise<Response>,
): Promise<Response> {
  let key: string | undefined;
  try {
    key = urlKey(request.url);
  } catch {
    key = undefined;
  }
  const trace = tracer.context(request.method, key);
  return tracer.traceContext(trace, () =>
    handle(trace).then((response) => {
      trace.status = response.status;
      return response;
    }),
  );
}
