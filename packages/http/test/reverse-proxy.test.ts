import {
  createServer,
  type IncomingHttpHeaders,
  request as rawRequest,
  type Server,
} from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReverseProxy, HttpCache } from '../src/index.js';
import { closeServer, createTestCache, listen } from './support/test-app.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
}

/** Sends a raw request (so hop-by-hop headers reach the proxy as written). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = rawRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('createReverseProxy over a real upstream', () => {
  const seen: Seen[] = [];
  let upstream: Server;
  let upstreamUrl: string;
  let proxyServer: Server;
  let proxyUrl: string;
  const store = createTestCache();

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let bodyBytes = 0;
      req.on('data', (chunk: Buffer) => {
        bodyBytes += chunk.byteLength;
      });
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          bodyBytes,
        });
        res.writeHead(200, {
          'content-type': 'text/plain',
          'cache-control': req.url?.startsWith('/base/cached') ? 'max-age=60' : 'no-store',
          connection: 'x-upstream-hop',
          'x-upstream-hop': 'secret',
          'keep-alive': 'timeout=5',
          'x-end': 'kept',
        });
        res.end(`${req.method} ${req.url} ${bodyBytes}`);
      });
    });
    upstreamUrl = await listen(upstream);
    const httpCache = new HttpCache({ cache: store.cache });
    const proxy = createReverseProxy({ upstream: `${upstreamUrl}/base`, httpCache });
    proxyServer = createServer(proxy.listener);
    proxyUrl = await listen(proxyServer);
  });

  afterAll(async () => {
    await closeServer(proxyServer);
    await closeServer(upstream);
    await store.close();
  });

  it('removes hop-by-hop headers both ways and sets Host, X-Forwarded-* and Via', async () => {
    const answer = await send(`${proxyUrl}/hop?x=1`, {
      headers: {
        connection: 'keep-alive, x-client-hop',
        'x-client-hop': 'secret',
        te: 'trailers',
        'proxy-authorization': 'Basic abc',
        'x-kept': 'yes',
      },
    });
    const forwarded = seen.at(-1) as Seen;
    expect(forwarded.url).toBe('/base/hop?x=1');
    expect(forwarded.headers['x-client-hop']).toBeUndefined();
    expect(forwarded.headers.te).toBeUndefined();
    expect(forwarded.headers['proxy-authorization']).toBeUndefined();
    expect(forwarded.headers['x-kept']).toBe('yes');
    expect(forwarded.headers.host).toBe(new URL(upstreamUrl).host);
    expect(forwarded.headers['x-forwarded-host']).toBe(new URL(proxyUrl).host);
    expect(forwarded.headers['x-forwarded-proto']).toBe('http');
    expect(forwarded.headers['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(forwarded.headers.via).toBe('1.1 cachestack');
    expect(answer.headers['x-upstream-hop']).toBeUndefined();
    expect(answer.headers['x-end']).toBe('kept');
    expect(answer.headers.via).toBe('1.1 cachestack');
  });

  it('keeps a // path on this host: never another authority', async () => {
    await send(`${proxyUrl}//elsewhere.test/x`);
    const forwarded = seen.at(-1) as Seen;
    expect(forwarded.url).toBe('/base//elsewhere.test/x');
    expect(forwarded.headers['x-forwarded-host']).toBe(new URL(proxyUrl).host);
  });

  it('streams a request body upstream', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 1);
    const answer = await send(`${proxyUrl}/upload`, { method: 'PUT', body });
    expect(answer.body).toBe(`PUT /base/upload ${body.byteLength}`);
  });

  it('caches through the proxy and forwards unknown methods', async () => {
    const first = await send(`${proxyUrl}/cached`);
    const second = await send(`${proxyUrl}/cached`);
    expect(second.body).toBe(first.body);
    expect(second.headers.age).toMatch(/^\d+$/);
    expect(seen.filter((request) => request.url === '/base/cached')).toHaveLength(1);
    expect((await send(`${proxyUrl}/cached`, { method: 'M-SEARCH' })).status).toBe(200);
    await send(`${proxyUrl}/cached`);
    expect(seen.filter((request) => request.url === '/base/cached')).toHaveLength(3);
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const dead = createServer();
    const deadUrl = await listen(dead);
    await closeServer(dead);
    const proxy = createReverseProxy({ upstream: deadUrl });
    const response = await proxy.fetch(new Request('http://proxy.test/x'));
    expect(response.status).toBe(502);
  });

  it('validates its options with errors that name the option', () => {
    expect(() => createReverseProxy({ upstream: 'ftp://x' })).toThrow(/upstream/);
    expect(() => createReverseProxy({ upstream: 'not a url' })).toThrow(/upstream/);
    expect(() => createReverseProxy({ upstream: 'http://x', via: '' })).toThrow(/via/);
    expect(() => createReverseProxy({ upstream: 'http://x', upstreamTimeoutMs: 0 })).toThrow(
      /upstreamTimeoutMs/,
    );
  });
});
