import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../nestjs-cache-module/app.mjs';

const START = fileURLToPath(new URL('../nestjs-cache-module/start.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** Starts start.mjs as a second process on a free port; resolves with its URL once it listens. */
function startSecondInstance(sqlitePath: string): Promise<{ child: Child; url: string }> {
  const child = spawn(process.execPath, [START], {
    env: { ...process.env, SQLITE_PATH: sqlitePath, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`start.mjs did not listen within 20 s:\n${output}`));
    }, 20_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /^listening on (\S+)/m.exec(output)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`start.mjs exited with ${code}:\n${output}`));
    });
  });
}

async function getJson(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('NestJS CacheModule over @cachestack/keyv (memory + SQLite), two instances', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cachestack-nest-'));
  const sqlitePath = join(dir, 'cache.db');
  let a: Awaited<ReturnType<typeof startApp>>;
  let b: { child: Child; url: string };

  beforeAll(async () => {
    a = await startApp({ sqlitePath });
    b = await startSecondInstance(sqlitePath);
  });
  afterAll(async () => {
    await a?.close();
    if (b !== undefined && b.child.exitCode === null) b.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a cached route: miss, then hit (the handler runs once)', async () => {
    const first = await getJson(`${a.url}/products/1`);
    const second = await getJson(`${a.url}/products/1`);
    expect(first).toEqual({
      status: 200,
      body: { id: '1', name: 'Product 1', load: 1, loadedBy: process.pid },
    });
    expect(second).toEqual(first);
    expect(a.catalog.loads).toBe(1);
  });

  it("the second process answers from the first one's cached response (SQLite)", async () => {
    const fromB = await getJson(`${b.url}/products/1`);
    expect(fromB.body).toMatchObject({ id: '1', loadedBy: process.pid });
    expect((await getJson(`${b.url}/stats`)).body.loads).toBe(0);
  });

  it('CacheTTL(300): cached for 300 ms, then loaded again', async () => {
    const first = await getJson(`${a.url}/flash-sales/7`);
    expect((await getJson(`${a.url}/flash-sales/7`)).body).toEqual(first.body);
    await sleep(450);
    const later = await getJson(`${a.url}/flash-sales/7`);
    expect(later.body.load).toBe((first.body.load as number) + 1);
  });

  it("each instance reads the other's writes through the cache manager", async () => {
    const put = (url: string, text: string) =>
      fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
    expect((await put(`${a.url}/notes/n1`, 'from A')).status).toBe(204);
    expect(await getJson(`${b.url}/notes/n1`)).toEqual({ status: 200, body: { text: 'from A' } });
    expect((await put(`${b.url}/notes/n2`, 'from B')).status).toBe(204);
    expect(await getJson(`${a.url}/notes/n2`)).toEqual({ status: 200, body: { text: 'from B' } });
    expect((await getJson(`${a.url}/notes/missing`)).status).toBe(404);
  });

  it('Ctrl+C (SIGINT) closes the second instance and its cache, exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => b.child.once('exit', resolve));
    b.child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`${b.url}/stats`)).rejects.toThrow();
  });
});
