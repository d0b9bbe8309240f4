import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { fastifyCache } from '../src/index.js';
import { describeHttpCacheSuite } from './suite.js';
import {
  bigChunks,
  countRun,
  createTestCache,
  delay,
  HEADER_ROUTES,
  type RunCounts,
  testApp,
} from './support/test-app.js';

describeHttpCacheSuite('Fastify 5', async () => {
  const counts: RunCounts = new Map();
  const store = createTestCache();
  const app = Fastify();
  await app.register(fastifyCache, { cache: store.cache, ttlMs: 60_000 });
  app.get<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    const { id } = request.params;
    reply.type('text/plain');
    return `item ${id} run ${countRun(counts, `items:${id}`)}`;
  });
  const unsafe =
    (status: number) =>
    async (
      request: { headers: Record<string, unknown> },
      reply: { code: (status: number) => unknown },
    ) => {
      if (request.headers['x-fail'] === '1') {
        reply.code(500);
        return 'failed';
      }
      reply.code(status);
      return status === 204 ? undefined : 'ok';
    };
  app.post('/items/:id', unsafe(201));
  app.delete('/items/:id', unsafe(204));
  app.post('/vary', unsafe(201));
  app.get('/vary', async (request, reply) => {
    countRun(counts, 'vary');
    reply.header('vary', 'Accept-Language').type('text/plain');
    return `lang ${request.headers['accept-language']}`;
  });
  for (const { name, headers, status } of HEADER_ROUTES) {
    app.get(`/${name}`, async (_request, reply) => {
      const run = countRun(counts, name);
      reply.code(status).headers(headers).type('text/plain');
      return `${name} run ${run}`;
    });
  }
  app.get('/slow', async (_request, reply) => {
    const run = countRun(counts, 'slow');
    await delay(150);
    reply.type('text/plain');
    return `slow run ${run}`;
  });
  app.get('/big', async (_request, reply) => {
    countRun(counts, 'big');
    reply.type('application/octet-stream');
    return reply.send(Readable.from(bigChunks()));
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return testApp(address, counts, app, store);
});
