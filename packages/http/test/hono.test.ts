import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { cacheHandler } from '../src/index.js';
import { describeHttpCacheSuite } from './suite.js';
import {
  BIG_CHUNKS,
  bigChunk,
  closeServer,
  countRun,
  createTestCache,
  delay,
  listen,
  type RunCounts,
} from './support.js';

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
  const headerRoute = (name: string, headers: Record<string, string>, status = 200) =>
    app.get(`/${name}`, () => {
      const run = countRun(counts, name);
      return new Response(`${name} run ${run}`, {
        status,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
      });
    });
  headerRoute('nostore', { 'Cache-Control': 'no-store' });
  headerRoute('private', { 'Cache-Control': 'private, max-age=60' });
  headerRoute('cookie', { 'Set-Cookie': 'session=abc' });
  headerRoute('star', { Vary: '*' });
  headerRoute('maxage0', { 'Cache-Control': 'max-age=0' });
  headerRoute('short', { 'Cache-Control': 'max-age=1' });
  headerRoute('etag', { ETag: 'W/"v1"' });
  headerRoute('missing', {}, 404);
  app.get('/slow', async (c) => {
    const run = countRun(counts, 'slow');
    await delay(150);
    return c.text(`slow run ${run}`);
  });
  app.get('/big', () => {
    countRun(counts, 'big');
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (index >= BIG_CHUNKS) {
          controller.close();
          return;
        }
        if (index % 8 === 0) await delay(1);
        controller.enqueue(bigChunk(index++));
      },
    });
    return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
  });
  const server = createAdaptorServer({
    fetch: cacheHandler((request) => app.fetch(request), { cache: store.cache, ttlMs: 60_000 }),
  }) as Server;
  const baseUrl = await listen(server);
  return {
    baseUrl,
    counts,
    close: async () => {
      await closeServer(server);
      await store.close();
    },
  };
});
