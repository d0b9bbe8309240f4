import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Agent, type Dispatcher, interceptors } from 'undici';
import type { CacheStore } from '../src/index.js';

// RFC 9110 §7.6.1: connection-specific fields a proxy must not forward.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase()),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** A running caching reverse proxy. */
export interface CacheProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/**
 * A tiny reverse proxy: a node:http server that forwards each request to
 * `originUrl` through an undici `Agent` composed with
 * `interceptors.cache({ store, type })`, and streams the answer back. Only
 * for tests: it exists to put undici's cache in front of the HTTP cache
 * test suite's origin.
 */
export async function startCacheProxy(
  originUrl: string,
  store: CacheStore,
  type: 'shared' | 'private',
): Promise<CacheProxy> {
  const dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 1000 }).compose(
    interceptors.cache({ store, type, methods: ['GET', 'HEAD'] }),
  );
  const server: Server = createServer(async (req, res) => {
    res.sendDate = false; // forward the origin's Date, never invent one
    try {
      const method = (req.method ?? 'GET') as Dispatcher.HttpMethod;
      const hasBody = method !== 'GET' && method !== 'HEAD';
      const answer = await dispatcher.request({
        origin: originUrl,
        path: req.url ?? '/',
        method,
        headers: forwardable(req.headers),
        body: hasBody ? req : undefined,
      });
      const headers = forwardable(answer.headers as IncomingHttpHeaders);
      res.writeHead(answer.statusCode, headers);
      await pipeline(answer.body, res);
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.close();
    },
  };
}
