import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real node:http origin on a loopback port that counts the requests it answers. */
export interface Origin {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Requests answered, by path (with query). */
  hits: Map<string, number>;
  /** Request headers of each request, in order. */
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  /** Hits of `path` so far. */
  hitsOf(path: string): number;
  close(): Promise<void>;
}

/** Starts an origin answering each request with `handle`. */
export async function startOrigin(
  handle: (req: IncomingMessage, res: ServerResponse, hit: number) => void,
): Promise<Origin> {
  const hits = new Map<string, number>();
  const requests: Origin['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    handle(req, res, hit);
  });
  server.keepAliveTimeout = 100;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    requests,
    hitsOf: (path) => hits.get(path) ?? 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
