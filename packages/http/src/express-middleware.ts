import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AdapterOptions, resolveAdapter } from './cache-handler.js';
import {
  applyHandlerRequest,
  captureResponse,
  toWebRequest,
  writeWebResponse,
} from './node-bridge.js';

/** A Connect/Express-style middleware over node's request and response. */
export type NodeMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * HTTP caching as node:http / Connect / Express middleware. Mount it before
 * the handlers it caches (`app.use(expressCache(…))`, or per route:
 * `app.get('/users', expressCache({ httpCache, ttlMs: 5_000 }), handler)`).
 * On a hit the handlers do not run; on a miss their output is captured,
 * stored when cacheable, and sent.
 *
 * @throws TypeError naming the first invalid option.
 */
export function expressCache(options: AdapterOptions): NodeMiddleware {
  const { engine, route } = resolveAdapter(options);
  return (req, res, next) => {
    const originalMethod = req.method;
    const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url;
    let capture: ReturnType<typeof captureResponse> | undefined;
    const run = (handlerRequest: Request): Promise<Response> => {
      if (capture !== undefined) throw new Error('the handler already ran for this request');
      applyHandlerRequest(req, handlerRequest);
      capture = captureResponse(res);
      next();
      return capture.response;
    };
    engine
      .handle(toWebRequest(req, path), run, route, { rerunnable: false })
      .then(async (response) => {
        capture?.release();
        await writeWebResponse(res, response, capture?.sink);
      })
      .catch((error: unknown) => {
        if (capture === undefined) return next(error);
        capture.release();
        // Nobody will read what the handler still writes: let it finish.
        void capture.response.then((response) => response.body?.cancel().catch(() => undefined));
        if (!res.headersSent) {
          capture.sink.writeHead(500);
          capture.sink.end();
        } else res.destroy(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        if (originalMethod !== undefined) req.method = originalMethod;
      });
  };
}
