import { createServer, type Server } from 'node:http';
import { createCache } from '@cachestack/cache';
import { isBackendError } from '@cachestack/core';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReverseProxy, expressCache, HttpCache } from '../src/index.js';
import { closeServer, listen } from './support/test-app.js';

/** A store that goes away (redis-server stopped by pid) never fails a response. */
describe('fail-open over a real Redis that stops and comes back', () => {
  let redis: RedisServer;
  let backend: RedisBackend;
  const servers: Server[] = [];
  const errors: unknown[] = [];
  const cacheEvents: unknown[] = [];
  let runs = 0;
  let appUrl: string;
  let proxyUrl: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    backend = new RedisBackend({
      url: redis.url,
      namespace: `fail-open-${process.pid}`,
      commandTimeoutMs: 300,
    });
    const cache = createCache({ backend, namespace: 'http' });
    cache.on('error', (event) => cacheEvents.push(event));
    const httpCache = new HttpCache({ cache, onError: (error) => errors.push(error) });
    const app = express();
    app.use(expressCache({ httpCache }));
    app.get('/page', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=60').send(`run ${++runs}`);
    });
    const appServer = createServer(app);
    servers.push(appServer);
    appUrl = await listen(appServer);
    const proxyServer = createServer(
      createReverseProxy({ upstream: appUrl, httpCache: new HttpCache({ cache }) }).listener,
    );
    servers.push(proxyServer);
    proxyUrl = await listen(proxyServer);
  }, 60_000);

  afterAll(async () => {
    for (const server of servers.reverse()) await closeServer(server);
    await backend?.close();
    await redis?.destroy();
  });

  const text = async (url: string) => {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.text() };
  };

  it('serves every request while the store is down, reports the failures, and caches again after', async () => {
    expect((await text(`${appUrl}/page`)).body).toBe('run 1');
    expect((await text(`${appUrl}/page`)).body).toBe('run 1');
    await redis.stop();
    for (const url of [`${appUrl}/page`, `${proxyUrl}/page`, `${appUrl}/page`]) {
      const answer = await text(url);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/^run \d+$/);
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((error) => isBackendError(error))).toBe(true);
    expect(cacheEvents.length).toBeGreaterThan(0);
    await redis.restart();
    const before = runs;
    let cachedAgain = false;
    for (let attempt = 0; attempt < 50 && !cachedAgain; attempt++) {
      await text(`${appUrl}/page`);
      const after = runs;
      await text(`${appUrl}/page`);
      cachedAgain = runs === after;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(cachedAgain, `still not caching after Redis came back (runs ${before} → ${runs})`).toBe(
      true,
    );
  }, 60_000);
});
