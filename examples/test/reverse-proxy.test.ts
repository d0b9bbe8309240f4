import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CachingProxy, startCachingProxy } from '../reverse-proxy/caching-proxy.mjs';
import { BIG_BODY_BYTES, type Origin, startOrigin } from '../reverse-proxy/origin.mjs';

const START_SCRIPT = fileURLToPath(new URL('../reverse-proxy/start.mjs', import.meta.url));

async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await fetch(url, { method, headers, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

for (const backend of ['memory', 'redis'] as const) {
  describe(`caching reverse proxy over ${backend}`, () => {
    let origin: Origin;
    let proxy: CachingProxy;
    let redis: RedisServer | undefined;

    beforeAll(async () => {
      origin = await startOrigin();
      if (backend === 'redis') redis = await RedisServer.start();
      proxy = await startCachingProxy({ upstream: origin.url, redisUrl: redis?.url });
      expect(proxy.backendType).toBe(backend);
    });

    afterAll(async () => {
      await proxy?.close();
      await origin?.close();
      await redis?.destroy();
    });

    it('stores a public response, serves it with Age, and drops it after a POST', async () => {
      const first = await get(`${proxy.url}/news`);
      const second = await get(`${proxy.url}/news`);
      expect([first.body, second.body]).toEqual(['news v1\n', 'news v1\n']);
      expect(second.headers.get('cache-control')).toBe('public, max-age=5');
      expect(second.headers.get('age')).toMatch(/^\d+$/);
      expect(second.headers.get('via')).toBe('1.1 cachestack');
      expect(origin.hits('/news')).toBe(1);
      expect((await get(`${proxy.url}/news`, {}, 'POST')).status).toBe(204);
      expect((await get(`${proxy.url}/news`)).body).toBe('news v2\n');
      expect(origin.hits('/news')).toBe(3); // GET, POST, GET after invalidation
    });

    it("never serves one user's page to another", async () => {
      expect((await get(`${proxy.url}/me`, { cookie: 'sid=alice' })).body).toBe('hello alice\n');
      expect((await get(`${proxy.url}/me`, { cookie: 'sid=bob' })).body).toBe('hello bob\n');
      expect((await get(`${proxy.url}/me`, { cookie: 'sid=alice' })).body).toBe('hello alice\n');
    });

    it('revalidates a no-cache response upstream and serves the stored body on a 304', async () => {
      const first = await get(`${proxy.url}/report`);
      const second = await get(`${proxy.url}/report`);
      expect([first.body, second.body]).toEqual(['report\n', 'report\n']);
      expect(second.headers.get('etag')).toBe('"report-v1"');
      expect(origin.hits('/report')).toBe(2);
    });

    it('streams a body larger than the cache stores, intact, without storing it', async () => {
      for (let round = 0; round < 2; round++) {
        const response = await fetch(`${proxy.url}/big`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        expect(bytes.byteLength).toBe(BIG_BODY_BYTES);
        expect(bytes.every((byte) => byte === 7)).toBe(true);
      }
      expect(origin.hits('/big')).toBe(2);
      expect(proxy.storeErrors).toEqual([]);
    });
  });
}

describe('start.mjs', () => {
  it('starts the origin and the proxy, answers through them, and stops on Ctrl+C', async () => {
    const child = spawn(process.execPath, [START_SCRIPT], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, REDIS_URL: '', PORT: '' },
    });
    try {
      let output = '';
      const proxyUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no proxy URL printed:\n${output}`)),
          15_000,
        );
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /proxy:\s+(http:\/\/\S+)/.exec(output);
          if (match?.[1] && output.includes('Press Ctrl+C')) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}:\n${output}`)));
      });
      expect((await get(`${proxyUrl}/news`)).body).toBe('news v1\n');
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output).toContain('stopped: proxy and origin closed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
