import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { command, RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductDatabase } from '../tiered-web-service/product-database.mjs';
import {
  type ProductService,
  startProductService,
} from '../tiered-web-service/product-service.mjs';

const START_SCRIPT = fileURLToPath(new URL('../tiered-web-service/start.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  cache: string | null;
  servedBy: string | null;
  invalidated: string | null;
  body: Record<string, unknown>;
}

async function call(url: string, init?: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    servedBy: response.headers.get('x-served-by'),
    invalidated: response.headers.get('x-cache-invalidated'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const put = (url: string, product: { name: string; priceCents: number }) =>
  call(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(product),
  });

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `probe` until it returns true or `timeoutMs` passes; resolves whether it did. */
async function eventually(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

describe('tiered web service: two instances, memory L1 over a shared Redis L2', () => {
  let redis: RedisServer;
  let database: ProductDatabase;
  let a: ProductService;
  let b: ProductService;
  const logs: string[] = [];
  const products = Array.from({ length: 9 }, (_, index) => ({
    id: `p${index + 1}`,
    name: `Product ${index + 1}`,
    priceCents: 100 * (index + 1),
  }));

  beforeAll(async () => {
    redis = await RedisServer.start();
    database = new ProductDatabase({ delayMs: 200, products });
    const common = {
      redisUrl: redis.url,
      database,
      l1MaxTtlMs: 60_000, // only invalidation can refresh B's copy within a test
      log: (message: string) => logs.push(message),
    };
    a = await startProductService({ ...common, name: 'A' });
    b = await startProductService({ ...common, name: 'B' });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.destroy();
  });

  it('answers the first GET from the database (miss) and the next from the cache (hit)', async () => {
    const first = await call(`${a.url}/products/p1`);
    expect([first.status, first.cache, first.servedBy]).toEqual([200, 'miss', 'A']);
    expect(first.body).toMatchObject({ id: 'p1', name: 'Product 1', priceCents: 100 });
    const second = await call(`${a.url}/products/p1`);
    expect([second.status, second.cache]).toEqual([200, 'hit']);
    expect(second.body).toEqual(first.body);
    const other = await call(`${b.url}/products/p1`); // from Redis (L2)
    expect([other.status, other.cache]).toEqual([200, 'hit']);
    expect(database.queriesFor('p1')).toBe(1);
    expect((await call(`${a.url}/products/nope`)).status).toBe(404);
  });

  it('queries the slow database once for 20 concurrent GETs on one instance', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call(`${a.url}/products/p2`)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
    expect(answers.filter((answer) => answer.cache === 'miss')).toHaveLength(1);
    expect(database.queriesFor('p2')).toBe(1);
  });

  it('queries it once for 10 + 10 concurrent GETs on two instances (Redis lock)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        call(`${index % 2 === 0 ? a.url : b.url}/products/p3`),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(database.queriesFor('p3')).toBe(1);
  });

  it('a PUT on A makes B serve the new value (L1 invalidation through Redis pub/sub)', async () => {
    await call(`${b.url}/products/p4`);
    const cachedOnB = await call(`${b.url}/products/p4`);
    expect([cachedOnB.cache, cachedOnB.body.name]).toEqual(['hit', 'Product 4']);
    expect((await call(`${a.url}/products/p4`)).cache).toBe('hit');

    const updated = await put(`${a.url}/products/p4`, { name: 'Renamed', priceCents: 999 });
    expect([updated.status, updated.invalidated]).toEqual([200, 'true']);
    expect(updated.body).toMatchObject({ id: 'p4', name: 'Renamed', priceCents: 999 });

    const onA = await call(`${a.url}/products/p4`);
    expect(onA.body.name).toBe('Renamed');
    const seenOnB = await eventually(
      async () => (await call(`${b.url}/products/p4`)).body.name === 'Renamed',
      5_000,
    );
    expect(seenOnB, "B kept serving its L1 copy after A's update").toBe(true);
    expect((await call(`${b.url}/products/p4`)).cache).toBe('hit');
  });

  it('rejects bad PUT bodies and unknown routes', async () => {
    expect((await put(`${a.url}/products/p5`, { name: '', priceCents: 1 })).status).toBe(400);
    expect((await put(`${a.url}/products/p5`, { name: 'x', priceCents: -1 })).status).toBe(400);
    expect((await call(`${a.url}/nothing`)).status).toBe(404);
    expect((await call(`${a.url}/products/p5`, { method: 'DELETE' })).status).toBe(405);
  });

  it('while Redis is down serves L1 hits and loads misses from the database, never a 500', async () => {
    expect((await call(`${a.url}/products/p6`)).cache).toBe('miss'); // now in A's L1
    await redis.stop();
    try {
      const cached = await call(`${a.url}/products/p6`);
      expect([cached.status, cached.cache, cached.body.name]).toEqual([200, 'hit', 'Product 6']);
      for (let round = 0; round < 3; round++) {
        const loaded = await call(`${a.url}/products/p7`);
        expect([loaded.status, loaded.cache, loaded.body.name]).toEqual([200, 'miss', 'Product 7']);
      }
      expect(database.queriesFor('p7')).toBe(3); // nothing can be cached without the authoritative tier
      const updated = await call(`${b.url}/products/p8`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Offline edit', priceCents: 1 }),
      });
      expect([updated.status, updated.invalidated]).toEqual([200, 'false']);
      const health = await call(`${a.url}/health`);
      expect([health.status, health.body.healthy]).toEqual([200, false]);
      expect(logs.some((line) => line.includes('cache degraded'))).toBe(true);
    } finally {
      await redis.restart();
    }
    const recovered = await eventually(async () => {
      await call(`${a.url}/products/p9`);
      return (await call(`${a.url}/products/p9`)).cache === 'hit';
    }, 15_000);
    expect(recovered, 'the service did not cache again after Redis came back').toBe(true);
    expect((await call(`${a.url}/health`)).body.healthy).toBe(true);
  });

  it('shuts down cleanly: ports closed, every Redis connection quit', async () => {
    await Promise.all([a.close(), b.close()]);
    await a.close(); // idempotent
    await expect(fetch(`${a.url}/products/p1`)).rejects.toThrow();
    const onlyOurs = await eventually(async () => {
      const clients = String(await command(redis.port, ['CLIENT', 'LIST']))
        .trim()
        .split('\n');
      return clients.length === 1; // the connection asking
    }, 3_000);
    expect(onlyOurs, 'a service connection to Redis was left open').toBe(true);
  });
});

describe('tiered web service: the one-command start script', () => {
  it('starts its own redis-server and two instances, serves, and stops everything on SIGINT', async () => {
    const env = { ...process.env };
    delete env.REDIS_URL;
    delete env.PORT;
    const child = spawn(process.execPath, [START_SCRIPT], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let redisPid: number | undefined;
    try {
      const ready = await eventually(async () => output.includes('Press Ctrl+C'), 20_000);
      expect(ready, `start.mjs did not come up:\n${output}`).toBe(true);
      const instanceA = /instance A: (http:\/\/\S+)/.exec(output)?.[1];
      redisPid = Number(/pid (\d+)/.exec(output)?.[1]);
      expect(instanceA).toBeDefined();
      expect(Number.isInteger(redisPid)).toBe(true);

      const first = await call(`${instanceA}/products/1`);
      expect([first.status, first.cache, first.body.name]).toEqual([
        200,
        'miss',
        'Mechanical keyboard',
      ]);
      expect((await call(`${instanceA}/products/1`)).cache).toBe('hit');

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output).toContain('stopped');
      expect(isRunning(redisPid), 'its redis-server is still running').toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      // A SIGKILLed script cannot stop its redis-server: do it here, by its pid.
      if (redisPid !== undefined && Number.isInteger(redisPid) && isRunning(redisPid)) {
        process.kill(redisPid, 'SIGKILL');
      }
    }
  });
});
