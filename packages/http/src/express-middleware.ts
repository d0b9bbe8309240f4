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
    let release: (() => void) | undefined;
    const run = (handlerRequest: Request): Promise<Response> => {
      if (release !== undefined) throw new Error('the handler already ran for this request');
      applyHandlerRequest(req, handlerRequest);
      const capture = captureResponse(res);
      release = capture.release;
      next();
      return capture.response;
    };
    engine
      .handle(toWebRequest(req, path), run, route, { rerunnable: false })
      .then(async (response) => {
        release?.();
        await writeWebResponse(res, response);
      })
      .catch((error: unknown) => {
        release?.();
        if (release === undefined) next(error);
        else if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        } else res.destroy(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        if (originalMethod !== undefined) req.method = originalMethod;
      });
  };
}
