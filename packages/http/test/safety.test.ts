import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheHandler, expressCache, fastifyCache, HttpCache } from '../src/index.js';
import {
  countRun,
  createTestCache,
  type RunCounts,
  serveTestApp,
  type TestApp,
  testApp,
} from './support/test-app.js';

/** A hang must fail the test, never stall the run. */
const HANG_MS = 3_000;

async function fetchWithin(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(HANG_MS) });
}

async function text(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await fetchWithin(url, { method, headers });
  return { status: response.status, body: await response.text() };
}

/** What the page of a signed-in user says, from the credentials the request carries. */
function whoAmI(headers: IncomingMessage['headers'] | Headers): string {
  const get = (name: string) =>
    headers instanceof Headers ? headers.get(name) : (headers[name] as string | undefined);
  const cookie = /sid=(\w+)/.exec(get('cookie') ?? '')?.[1];
  const bearer = /Bearer (\w+)/.exec(get('authorization') ?? '')?.[1];
  return `page of ${cookie ?? bearer ?? 'nobody'}`;
}

/**
 * Routes, each with `Cache-Control: max-age=60` (no `public`) unless said:
 * `/me` a per-user page; `/public-me` the same with `public`; `/keyed-me` the same
 * on a route whose `vary` names `cookie` and `authorization`; `/q` echoes the raw
 * query; `POST /q` 201.
 */
function routeBody(path: string, query: string, headers: IncomingMessage['headers'] | Headers) {
  if (path === '/q') return `query ${query}`;
  return whoAmI(headers);
}

function cacheControlFor(path: string): string {
  return path === '/public-me' ? 'public, max-age=60' : 'max-age=60';
}

async function startExpress(stacked: 'same' | 'different'): Promise<TestApp> {
  const counts: RunCounts = new Map();
  const outer = createTestCache();
  const inner = createTestCache();
  const httpCache = new HttpCache({ cache: outer.cache });
  const routeCache =
    stacked === 'same'
      ? expressCache({ httpCache, vary: ['cookie', 'authorization'] })
      : expressCache({ cache: inner.cache, vary: ['cookie', 'authorization'] });
  const app = express();
  app.use(expressCache({ httpCache }));
  const handler = (req: express.Request, res: express.Response) => {
    countRun(counts, req.path);
    const query = req.originalUrl.slice(req.path.length);
    res.set('Cache-Control', cacheControlFor(req.path));
    res.type('text/plain').send(routeBody(req.path, query, req.headers));
  };
  app.get('/keyed-me', routeCache, handler);
  app.post('/q', routeCache, (_req, res) => {
    res.status(201).send('created');
  });
  app.get('/{*rest}', handler);
  return serveTestApp(createServer(app), counts, outer, inner);
}

async function startFastify(): Promise<TestApp> {
  const counts: RunCounts = new Map();
  const outer = createTestCache();
  const app = Fastify();
  const httpCache = new HttpCache({ cache: outer.cache });
  await app.register(fastifyCache, { httpCache });
  const handler = async (
    request: { url: string; headers: IncomingMessage['headers'] },
    reply: { header: (name: string, value: string) => unknown; type: (t: string) => unknown },
  ) => {
    const path = request.url.split('?')[0] ?? '/';
    countRun(counts, path);
    reply.header('cache-control', cacheControlFor(path));
    reply.type('text/plain');
    return routeBody(path, request.url.slice(path.length), request.headers);
  };
  await app.register(async (scope) => {
    await scope.register(fastifyCache, { httpCache, vary: ['cookie', 'authorization'] });
    scope.get('/keyed-me', handler);
    scope.post('/q', async (_request, reply) => {
      reply.code(201);
      return 'created';
    });
  });
  app.get('/*', handler);
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return testApp(baseUrl, counts, app, outer);
}

async function startFetchStyle(): Promise<TestApp> {
  const counts: RunCounts = new Map();
  const outer = createTestCache();
  const httpCache = new HttpCache({ cache: outer.cache });
  const app = (request: Request): Response => {
    const url = new URL(request.url);
    if (request.method === 'POST') return new Response('created', { status: 201 });
    countRun(counts, url.pathname);
    return new Response(routeBody(url.pathname, url.search, request.headers), {
      headers: { 'cache-control': cacheControlFor(url.pathname), 'content-type': 'text/plain' },
    });
  };
  // Stacked: a route-level wrapper inside a global one, over one engine.
  const keyed = cacheHandler(app, { httpCache, vary: ['cookie', 'authorization'] });
  const inner = (request: Request) =>
    new URL(request.url).pathname === '/keyed-me' || request.method === 'POST'
      ? keyed(request)
      : app(request);
  const server = createAdaptorServer({ fetch: cacheHandler(inner, { httpCache }) }) as Server;
  return serveTestApp(server, counts, outer);
}

function describeSafety(name: string, start: () => Promise<TestApp>): void {
  describe(`${name}: credentials, keys and stacking`, () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await start();
    });
    afterAll(async () => {
      await app?.close();
    });
    const url = (path: string) => `${app.baseUrl}${path}`;

    it("never serves one user's cookie page to another", async () => {
      expect((await text(url('/me'), { cookie: 'sid=alice' })).body).toBe('page of alice');
      expect((await text(url('/me'), { cookie: 'sid=bob' })).body).toBe('page of bob');
      expect((await text(url('/me'))).body).toBe('page of nobody');
    });

    it('never shares a max-age response to Authorization (RFC 9111 §3.5)', async () => {
      expect((await text(url('/me'), { authorization: 'Bearer alice' })).body).toBe(
        'page of alice',
      );
      expect((await text(url('/me'), { authorization: 'Bearer bob' })).body).toBe('page of bob');
    });

    it('shares a response to credentials when it says public', async () => {
      const before = app.counts.get('/public-me') ?? 0;
      expect((await text(url('/public-me'), { cookie: 'sid=carol' })).body).toBe('page of carol');
      expect((await text(url('/public-me'), { cookie: 'sid=dave' })).body).toBe('page of carol');
      expect(app.counts.get('/public-me')).toBe(before + 1);
    });

    it('caches per user when the route varies on the credentials', async () => {
      for (let round = 0; round < 2; round++) {
        expect((await text(url('/keyed-me'), { cookie: 'sid=erin' })).body).toBe('page of erin');
        expect((await text(url('/keyed-me'), { cookie: 'sid=frank' })).body).toBe('page of frank');
      }
      expect(app.counts.get('/keyed-me')).toBe(2);
    });

    it('never merges distinct URLs into one entry', async () => {
      const pairs = [
        ['?q=a+b', '?q=a%20b'],
        ['?flag', '?flag='],
        ['?x=1&', '?x=1'],
        ['?a=1&b=2', '?b=2&a=1'],
      ];
      for (const [first, second] of pairs) {
        expect((await text(url(`/q${first}`))).body).toBe(`query ${first}`);
        expect((await text(url(`/q${second}`))).body).toBe(`query ${second}`);
      }
    });

    it('never hangs with stacked cache layers, after a POST or a GET', async () => {
      expect((await text(url('/q?stacked'), {}, 'POST')).status).toBe(201);
      expect((await text(url('/keyed-me'), { cookie: 'sid=gina' })).body).toBe('page of gina');
      expect((await text(url('/q?stacked'), {}, 'POST')).status).toBe(201);
      expect((await text(url('/keyed-me'), { cookie: 'sid=gina' })).body).toBe('page of gina');
      expect((await text(url('/q?after-post'))).body).toBe('query ?after-post');
    });
  });
}

describeSafety('Express, one engine stacked', () => startExpress('same'));
describeSafety('Express, two engines stacked', () => startExpress('different'));
describeSafety('Fastify, nested registrations', startFastify);
describeSafety('fetch-style, nested cacheHandler', startFetchStyle);
