import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { withoutHopByHop } from './hop-by-hop.js';
import type { HttpCache } from './http-cache.js';
import {
  checkNonNegativeInteger,
  checkOptionNames,
  type RouteCacheOptions,
} from './http-cache-options.js';
import { toWebRequest, writeWebResponse } from './node-bridge.js';
import { type InterimListener, sendUpstream } from './upstream-request.js';

/** Every option name of {@link ReverseProxyOptions} (the compiler checks the list is complete). */
const REVERSE_PROXY_OPTION_NAMES = Object.keys({
  upstream: true,
  httpCache: true,
  route: true,
  via: true,
  upstreamTimeoutMs: true,
} satisfies Record<keyof ReverseProxyOptions, true>);

/** Options for {@link createReverseProxy}. */
export interface ReverseProxyOptions {
  /** The origin requests are forwarded to, e.g. `'http://127.0.0.1:8080'` (a path is a prefix). */
  upstream: string | URL;
  /** The shared cache in front of the upstream; without it the proxy only forwards. */
  httpCache?: HttpCache | undefined;
  /** Route options for every proxied request (see {@link RouteCacheOptions}). */
  route?: RouteCacheOptions | undefined;
  /**
   * The `Via` entry this proxy adds to requests and responses (RFC 9110
   * §7.6.3), or `false` for none.
   * @default '1.1 cachestack'
   */
  via?: string | false | undefined;
  /**
   * Longest wait for the upstream's response head, in ms (integer > 0).
   * @default 30_000
   */
  upstreamTimeoutMs?: number | undefined;
}

/** A reverse proxy: a fetch handler and a node:http listener over one upstream. */
export interface ReverseProxy {
  /**
   * Answers a web `Request` (from the cache, or by forwarding it upstream).
   * `clientAddress` goes into `X-Forwarded-For`. Never rejects: an unreachable
   * upstream is a 502 (or 504 where the RFC says so).
   */
  fetch(request: Request, clientAddress?: string): Promise<Response>;
  /** The same as a node:http request listener: `createServer(proxy.listener)`. */
  listener(req: IncomingMessage, res: ServerResponse): void;
}

/** The interim-response relay of the node request being answered (the fetch handler has none). */
const interim = new AsyncLocalStorage<InterimListener>();

/** Passes 102 and 103 interim responses on to the client (never stored: they are not final). */
function relayInterim(res: ServerResponse): InterimListener {
  return (status, headers) => {
    if (res.headersSent || res.destroyed) return;
    if (status === 102) res.writeProcessing();
    else if (status === 103) res.writeEarlyHints(headers);
  };
}

function appendList(headers: Headers, name: string, value: string): void {
  const current = headers.get(name);
  headers.set(name, current === null ? value : `${current}, ${value}`);
}

/**
 * Creates a reverse proxy to `upstream`, optionally with an {@link HttpCache}
 * in front: requests are forwarded with node's HTTP client (bodies streamed
 * both ways, never decompressed), hop-by-hop headers (RFC 9110 §7.6.1, and
 * those named in `Connection`) removed in both directions, `Host` set to the
 * upstream's, the client's host, scheme and address in `X-Forwarded-Host`,
 * `X-Forwarded-Proto` and `X-Forwarded-For`, and `Via` added.
 *
 * @example
 * ```ts
 * const httpCache = new HttpCache({ cache, targetedCacheControl: ['cdn-cache-control'] });
 * const proxy = createReverseProxy({ upstream: 'http://127.0.0.1:8080', httpCache });
 * createServer(proxy.listener).listen(3000);
 * ```
 * @throws TypeError naming the first invalid option.
 */
export function createReverseProxy(options: ReverseProxyOptions): ReverseProxy {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createReverseProxy needs an options object with upstream');
  }
  checkOptionNames(options, REVERSE_PROXY_OPTION_NAMES, 'createReverseProxy');
  let upstream: URL;
  try {
    upstream = new URL(options.upstream);
  } catch {
    throw new TypeError(`upstream must be an http(s) URL, got ${String(options.upstream)}`);
  }
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw new TypeError(`upstream must be an http(s) URL, got ${upstream.href}`);
  }
  const via = options.via ?? '1.1 cachestack';
  if (via !== false && (typeof via !== 'string' || via.trim() === '')) {
    throw new TypeError('via must be a non-empty string or false');
  }
  const timeoutMs =
    checkNonNegativeInteger(options.upstreamTimeoutMs, 'upstreamTimeoutMs') ?? 30_000;
  if (timeoutMs === 0) throw new TypeError('upstreamTimeoutMs must be greater than 0');
  const { httpCache } = options;
  const route = httpCache?.route(options.route);
  const settings = { upstream, timeoutMs };

  const forward = async (request: Request): Promise<Response> => {
    const response = await sendUpstream(request, { ...settings, onInterim: interim.getStore() });
    if (via === false) return response;
    const headers = new Headers(response.headers);
    appendList(headers, 'via', via);
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };

  const fetchHandler = async (request: Request, clientAddress?: string): Promise<Response> => {
    const incoming = new URL(request.url);
    const headers = withoutHopByHop(request.headers);
    headers.delete('host');
    if (clientAddress) appendList(headers, 'x-forwarded-for', clientAddress);
    if (!headers.has('x-forwarded-host')) headers.set('x-forwarded-host', incoming.host);
    if (!headers.has('x-forwarded-proto')) {
      headers.set('x-forwarded-proto', incoming.protocol.replace(':', ''));
    }
    if (via !== false) appendList(headers, 'via', via);
    const hasBody = request.body !== null && request.method !== 'GET' && request.method !== 'HEAD';
    const proxied = new Request(request.url, {
      method: request.method,
      headers,
      ...(hasBody ? { body: request.body, duplex: 'half' } : {}),
    } as RequestInit);
    try {
      if (httpCache === undefined) return await forward(proxied);
      return await httpCache.handle(proxied, forward, route, { rerunnable: true });
    } catch {
      return new Response(null, { status: 502, statusText: 'Bad Gateway' });
    }
  };

  return {
    fetch: fetchHandler,
    listener(req, res) {
      let request: Request;
      try {
        request = toWebRequest(req, req.url, true);
      } catch {
        res.statusCode = 400;
        res.end();
        return;
      }
      interim
        .run(relayInterim(res), () => fetchHandler(request, req.socket.remoteAddress))
        .then((response) => writeWebResponse(res, response))
        .catch((error: unknown) => {
          if (!res.headersSent) {
            res.statusCode = 502;
            res.end();
          } else res.destroy(error instanceof Error ? error : new Error(String(error)));
        });
    },
  };
}
