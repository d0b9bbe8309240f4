import { createServer, type Server } from 'node:http';
import { inspect } from 'node:util';
import { createCache } from '@cachestack/cache';
import { TRACING_CHANNEL_NAMES } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { memoryLogger, recordTraces, settled, type TraceRecording } from '@cachestack/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createReverseProxy, HttpCache } from '../src/index.js';
import { closeServer, listen } from './support/test-app.js';

const BODY = 'BODY-BYTES-never-traced';
/** A real origin: each path answers with the headers that lead to one cache outcome. */
function origin(): Server {
  let sieCalls = 0;
  return createServer((req, res) => {
    const path = req.url ?? '/';
    if (req.method === 'POST') {
      res.writeHead(201).end('created');
      return;
    }
    if (path === '/fresh') {
      res.writeHead(200, { 'cache-control': 'public, max-age=60' }).end(BODY);
    } else if (path === '/nostore') {
      res.writeHead(200, { 'cache-control': 'no-store' }).end(BODY);
    } else if (path === '/swr') {
      res
        .writeHead(200, {
          'cache-control': 'public, max-age=1, stale-while-revalidate=60',
          age: '5',
        })
        .end(BODY);
    } else if (path === '/etag') {
      if (req.headers['if-none-match'] === '"v1"') res.writeHead(304, { etag: '"v1"' }).end();
      else res.writeHead(200, { 'cache-control': 'public, no-cache', etag: '"v1"' }).end(BODY);
    } else if (path === '/sie') {
      sieCalls += 1;
      if (sieCalls === 1) {
        res
          .writeHead(200, { 'cache-control': 'public, max-age=1, stale-if-error=60', age: '5' })
          .end(BODY);
      } else res.writeHead(500).end('origin failed');
    } else res.writeHead(404).end();
  });
}

describe('HttpCache tracing on cachestack:http (real origin, proxy and client)', () => {
  const servers: Server[] = [];
  const backend = new MemoryBackend();
  let proxyUrl: string;
  let recorder: TraceRecording | undefined;

  beforeAll(async () => {
    const originServer = origin();
    servers.push(originServer);
    const upstream = await listen(originServer);
    const httpCache = new HttpCache({ cache: createCache({ backend, namespace: 'http' }) });
    const proxy = createServer(createReverseProxy({ upstream, httpCache }).listener);
    servers.push(proxy);
    proxyUrl = await listen(proxy);
  });
  afterEach(() => recorder?.stop());
  afterAll(async () => {
    for (const server of servers.reverse()) await closeServer(server);
    await backend.close();
  });

  const send = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${proxyUrl}${path}`, {
      ...init,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  };

  it('traces one operation per request with its outcome and status, never a header or body', async () => {
    recorder = recordTraces(TRACING_CHANNEL_NAMES.http);
    const statuses = [
      await send('/fresh'),
      await send('/fresh'),
      await send('/nostore'),
      await send('/swr'),
      await send('/swr'),
      await send('/etag'),
      await send('/etag'),
      await send('/sie'),
      await send('/sie'),
      await send('/fresh', { method: 'POST', body: 'x' }),
      await send('/fresh', {
        headers: { authorization: 'Bearer SECRET-TOKEN', cookie: 'sid=SECRET-COOKIE' },
      }),
    ];
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201, 200]);
    const contexts = settled(recorder.events);
    expect(contexts.map((c) => [c.operation, c.outcome, c.status])).toEqual([
      ['GET', 'miss', 200],
      ['GET', 'hit', 200],
      ['GET', 'bypass', 200],
      ['GET', 'miss', 200],
      ['GET', 'stale', 200],
      ['GET', 'miss', 200],
      ['GET', 'revalidated', 200],
      ['GET', 'miss', 200],
      ['GET', 'stale', 200],
      ['POST', 'bypass', 201],
      ['GET', 'miss', 200],
    ]);
    expect(recorder.events).toHaveLength(contexts.length * 4);
    for (const context of contexts) {
      expect(context.backendType).toBe('http');
      expect(context.key).toMatch(/^127\.0\.0\.1:\d+\/(fresh|nostore|swr|etag|sie)$/);
      expect(context.durationMs).toBeGreaterThanOrEqual(0);
    }
    const printed = inspect(
      recorder.events.map(([, context]) => context),
      { depth: 5 },
    );
    expect(printed).not.toMatch(/SECRET-TOKEN|SECRET-COOKIE|BODY-BYTES/);
  });
});

describe('HttpCache tracing and logging, engine level', () => {
  it('ends a request whose handler throws with outcome error and the error type', async () => {
    const backend = new MemoryBackend();
    const httpCache = new HttpCache({ cache: createCache({ backend }) });
    const recorder = recordTraces(TRACING_CHANNEL_NAMES.http);
    try {
      await expect(
        httpCache.handle(new Request('http://example.test/boom'), () => {
          throw new TypeError('origin broke');
        }),
      ).rejects.toThrow('origin broke');
    } finally {
      recorder.stop();
      await backend.close();
    }
    expect(settled(recorder.events).map((c) => [c.operation, c.outcome, c.errorType])).toEqual([
      ['GET', 'error', 'TypeError'],
    ]);
    expect(recorder.events.map(([event]) => event)).toContain('error');
  });

  it('logs (warn) a store failure it survives, with the step and the error type and code', async () => {
    const backend = new MemoryBackend();
    const logger = memoryLogger();
    const errors: unknown[] = [];
    const httpCache = new HttpCache({
      cache: createCache({ backend }),
      logger,
      onError: (error) => errors.push(error),
    });
    await backend.close(); // every store call now fails with PERMANENT CLOSED
    const response = await httpCache.handle(
      new Request('http://example.test/page'),
      () => new Response(BODY, { headers: { 'cache-control': 'public, max-age=60' } }),
    );
    expect(await response.text()).toBe(BODY);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        fields: { step: 'meta', errorType: 'PERMANENT', errorCode: 'CLOSED' },
        message: 'HTTP cache meta failed; request served without it',
      },
    ]);
    expect(errors).toHaveLength(1);
  });

  it('rejects a logger without the four methods with a TypeError naming it', () => {
    const cache = createCache({ backend: new MemoryBackend() });
    expect(() => new HttpCache({ cache, logger: { info() {} } as never })).toThrow(
      /^HttpCache: option logger\.debug must be a function/,
    );
  });
});
