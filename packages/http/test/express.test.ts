import { createServer } from 'node:http';
import express from 'express';
import { expressCache } from '../src/index.js';
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

describeHttpCacheSuite('Express 5', async () => {
  const counts: RunCounts = new Map();
  const store = createTestCache();
  const app = express();
  app.set('etag', false);
  app.use(expressCache({ cache: store.cache, ttlMs: 60_000 }));
  app.get('/items/:id', (req, res) => {
    const run = countRun(counts, `items:${req.params.id}`);
    res.type('text/plain').send(`item ${req.params.id} run ${run}`);
  });
  const unsafe = (status: number) => (req: express.Request, res: express.Response) => {
    if (req.headers['x-fail'] === '1') res.status(500).send('failed');
    else res.status(status).send(status === 204 ? undefined : 'ok');
  };
  app.post('/items/:id', unsafe(201));
  app.delete('/items/:id', unsafe(204));
  app.post('/vary', unsafe(201));
  app.get('/vary', (req, res) => {
    countRun(counts, 'vary');
    res
      .set('Vary', 'Accept-Language')
      .type('text/plain')
      .send(`lang ${req.headers['accept-language']}`);
  });
  const headerRoute = (name: string, headers: Record<string, string>, status = 200) =>
    app.get(`/${name}`, (_req, res) => {
      const run = countRun(counts, name);
      res.status(status).set(headers).type('text/plain').send(`${name} run ${run}`);
    });
  headerRoute('nostore', { 'Cache-Control': 'no-store' });
  headerRoute('private', { 'Cache-Control': 'private, max-age=60' });
  headerRoute('cookie', { 'Set-Cookie': 'session=abc' });
  headerRoute('star', { Vary: '*' });
  headerRoute('maxage0', { 'Cache-Control': 'max-age=0' });
  headerRoute('short', { 'Cache-Control': 'max-age=1' });
  headerRoute('etag', { ETag: 'W/"v1"' });
  headerRoute('missing', {}, 404);
  app.get('/slow', async (_req, res) => {
    const run = countRun(counts, 'slow');
    await delay(150);
    res.type('text/plain').send(`slow run ${run}`);
  });
  app.get('/big', async (_req, res) => {
    countRun(counts, 'big');
    res.status(200).type('application/octet-stream');
    for (let index = 0; index < BIG_CHUNKS; index++) {
      res.write(bigChunk(index));
      if (index % 8 === 0) await delay(1);
    }
    res.end();
  });
  const server = createServer(app);
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
