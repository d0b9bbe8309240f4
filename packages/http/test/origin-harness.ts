import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import {
  cacheHandler,
  createReverseProxy,
  expressCache,
  fastifyCache,
  HttpCache,
  type HttpCacheOptions,
} from '../src/index.js';
import { closeServer, createTestCache, listen } from './support/test-app.js';

/** The origin's behaviour, fetch-style: what it answers to each request. */
export type Origin = (request: Request) => Response | Promise<Response>;

/** What the origin received: method, path with query, headers. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Headers;
}

/** A cache in front of an origin over a real server, whichever way it is mounted. */
export interface CachedOrigin {
  baseUrl: string;
  /** Requests that reached the origin, in order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** How the cache is mounted: framework middleware, a fetch-style wrapper, or the reverse proxy. */
export type Mount = 'express' | 'fastify' | 'fetch' | 'proxy';

export const MOUNTS: readonly Mount[] = ['express', 'fastify', 'fetch', 'proxy'];

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  return headers;
}

function record(seen: SeenRequest[], request: Request): void {
  const url = new URL(request.url);
  seen.push({
    method: request.method,
    path: `${url.pathname}${url.search}`,
    headers: request.headers,
  });
}

/** Writes the origin's answer to a node response (framework-neutral). */
async function writeOrigin(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  const body = new Uint8Array(await response.arrayBuffer());
  res.end(body.byteLength > 0 ? body : undefined);
}

function nodeRequest(req: IncomingMessage, path: string): Request {
  return new Request(new URL(path, 'http://origin.test'), {
    method: req.method,
    headers: headersOf(req),
  });
}

/** Starts `origin` behind an {@link HttpCache} mounted as `mount`, on loopback ports. */
export async function startCachedOrigin(
  mount: Mount,
  origin: Origin,
  options: Omit<HttpCacheOptions, 'cache'> = {},
): Promise<CachedOrigin> {
  const seen: SeenRequest[] = [];
  const store = createTestCache();
  const httpCache = new HttpCache({ ...options, cache: store.cache });
  const servers: Server[] = [];
  let baseUrl: string;
  let closeApp = async (): Promise<void> => undefined;
  if (mount === 'express') {
    const app = express();
    app.set('etag', false);
    app.use(expressCache({ httpCache }));
    app.use((req, res) => {
      const request = nodeRequest(req, req.originalUrl);
      record(seen, request);
      Promise.resolve(origin(request))
        .then((response) => writeOrigin(res, response))
        .catch(() => res.destroy());
    });
    const server = createServer(app);
    servers.push(server);
    baseUrl = await listen(server);
  } else if (mount === 'fastify') {
    const app = Fastify();
    await app.register(fastifyCache, { httpCache });
    app.all('/*', async (request, reply) => {
      const webRequest = nodeRequest(request.raw, request.raw.url ?? '/');
      record(seen, webRequest);
      const response = await origin(webRequest);
      reply.code(response.status);
      const cookies = response.headers.getSetCookie();
      response.headers.forEach((value, name) => {
        if (name !== 'set-cookie') reply.header(name, value);
      });
      if (cookies.length > 0) reply.header('set-cookie', cookies);
      const body = Buffer.from(await response.arrayBuffer());
      return body.byteLength > 0 ? body : undefined;
    });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    closeApp = () => app.close();
  } else if (mount === 'fetch') {
    const handler = cacheHandler(
      async (request) => {
        record(seen, request);
        return origin(request);
      },
      { httpCache },
    );
    const server = createAdaptorServer({ fetch: handler }) as unknown as Server;
    servers.push(server);
    baseUrl = await listen(server);
  } else {
    const upstream = createServer((req, res) => {
      const request = nodeRequest(req, req.url ?? '/');
      record(seen, request);
      Promise.resolve(origin(request))
        .then((response) => writeOrigin(res, response))
        .catch(() => res.destroy());
    });
    servers.push(upstream);
    const upstreamUrl = await listen(upstream);
    const proxy = createReverseProxy({ upstream: upstreamUrl, httpCache });
    const server = createServer(proxy.listener);
    servers.push(server);
    baseUrl = await listen(server);
  }
  return {
    baseUrl,
    seen,
    close: async () => {
      await closeApp();
      for (const server of servers.reverse()) await closeServer(server);
      await store.close();
    },
  };
}
