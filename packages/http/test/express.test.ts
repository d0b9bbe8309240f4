import { createServer } from 'node:http';
import express from 'express';
import { expressCache } from '../src/index.js';
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
  for (const { name, headers, status } of HEADER_ROUTES) {
    app.get(`/${name}`, (_req, res) => {
      const run = countRun(counts, name);
      res.status(status).set(headers).type('text/plain').send(`${name} run ${run}`);
    });
  }
  app.get('/slow', async (_req, res) => {
    const run = countRun(counts, 'slow');
    await delay(150);
    res.type('text/plain').send(`slow run ${run}`);
  });
  app.get('/big', async (_req, res) => {
    countRun(counts, 'big');
    res.status(200).type('application/octet-stream');
    for await (const chunk of bigChunks()) res.write(chunk);
    res.end();
  });
  return serveTestApp(createServer(app), counts, store);
});
