import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisServer, runNode } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { type Origin, startOrigin } from './origin.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fetch-once.mjs', import.meta.url));

describe('two service processes share one HTTP client cache', () => {
  let origin: Origin;
  let redis: RedisServer;
  let temp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    [origin, redis, temp] = await Promise.all([
      startOrigin((req, res, hit) => {
        res.setHeader('cache-control', 'max-age=60');
        res.end(`${req.url} answer ${hit}`);
      }),
      RedisServer.start(),
      tempDir(),
    ]);
  });
  afterAll(async () => {
    await origin?.close();
    await redis?.stop();
    await temp?.remove();
  });

  async function fetchIn(kind: string, location: string, path: string) {
    const run = await runNode(FIXTURE, [kind, location, `${origin.url}${path}`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as {
      status: number;
      body: string;
      age: string | null;
      errors: string[];
    };
  }

  it.each([
    ['sqlite', () => join(temp.dir, 'fleet.db')],
    ['redis', () => redis.url],
  ])('over %s: the second process is served what the first one fetched', async (kind, location) => {
    const path = `/shared-${kind}`;
    const first = await fetchIn(kind, location(), path);
    expect(first).toMatchObject({ status: 200, body: `${path} answer 1`, age: null, errors: [] });
    const second = await fetchIn(kind, location(), path);
    expect(second).toMatchObject({ status: 200, body: `${path} answer 1`, errors: [] });
    expect(second.age).not.toBeNull();
    expect(origin.hitsOf(path)).toBe(1);
  });

  it('over sqlite: four processes at once, one path, all get a correct answer', async () => {
    const location = join(temp.dir, 'burst.db');
    const runs = await Promise.all([1, 2, 3, 4].map(() => fetchIn('sqlite', location, '/burst')));
    for (const run of runs) {
      expect(run.status).toBe(200);
      expect(run.body).toMatch(/^\/burst answer [1-4]$/);
      expect(run.errors).toEqual([]);
    }
    const after = await fetchIn('sqlite', location, '/burst');
    expect(runs.map((run) => run.body)).toContain(after.body);
    expect(after.age).not.toBeNull();
  });
});
