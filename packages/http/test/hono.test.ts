import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { cacheHandler } from '../src/index.js';
import { describeHttpCacheSuite } from './suite.js';
import {
  bigChunks,
  countRun,
  createTestCache,
  delay,
  HEADER_ROUTES,
  type RunCounts,
  serveTestApp,
} from './support/test-app.js';

describeHttpCacheSuite('Hono (fetch-style) on @hono/node-server', async () => {
  const counts: RunCounts = new Map();
  const store = createTestCache();
  const app = new Hono();
  app.get('/items/:id', (c) => {
    const id = c.req.param('id');
    return c.text(`item ${id} run ${countRun(counts, `items:${id}`)}`);
  });
  const unsafe =
    (status: 201 | 204) => (c: { req: { header: (name: string) => string | undefined } }) => {
      if (c.req.header('x-fail') === '1') return new Response('failed', { status: 500 });
      return new Response(status === 204 ? null : 'ok', { status });
    };
  app.post('/items/:id', unsafe(201));
  app.delete('/items/:id', unsafe(204));
  app.post('/vary', unsafe(201));
  app.get('/vary', (c) => {
    countRun(counts, 'vary');
    c.header('Vary', 'Accept-Language');
    return c.text(`lang ${c.req.header('accept-language')}`);
  });
  for (const { name, headers, status } of HEADER_ROUTES) {
    app.get(`/${name}`, () => {
      const run = countRun(counts, name);
      return new Response(`${name} run ${run}`, {
        status,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
      });
    });
  }
  app.get('/slow', async (c) => {
    const run = countRun(counts, 'slow');
    await delay(150);
    return c.text(`slow run ${run}`);
  });
  app.get('/big', () => {
    countRun(counts, 'big');
    const body = ReadableStream.from(bigChunks());
    return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
  });
  const server = createAdaptorServer({
    fetch: cacheHandler((request) => app.fetch(request), { cache: store.cache, ttlMs: 60_000 }),
  }) as Server;
  return serveTestApp(server, counts, store);
});
