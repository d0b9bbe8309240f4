import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { BaseBackend } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { SqliteBackend } from '@cachestack/sqlite';
import { RedisServer } from '@cachestack/test-support';
import type { CacheKey, CacheValue, GetResult } from '../src/index.js';

/** A GET key for `path` on a fixed origin. */
export function keyFor(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): CacheKey {
  return { origin: 'http://origin.test', method, path, headers };
}

/** A stored-response value: fresh for `freshMs`, kept for `keepMs` (epoch ms from now). */
export function valueFor(
  extra: Partial<CacheValue> = {},
  freshMs = 10_000,
  keepMs = 20_000,
): CacheValue {
  const now = Date.now();
  return {
    statusCode: 200,
    statusMessage: 'OK',
    headers: { 'content-type': 'text/plain', 'x-test': 'yes' },
    cacheControlDirectives: { 'max-age': 10 },
    cachedAt: now,
    staleAt: now + freshMs,
    deleteAt: now + keepMs,
    ...extra,
  };
}

/** Writes `chunks` and ends; resolves once the stream finished (stored) or closed (dropped). */
export async function writeBody(stream: Writable, chunks: Array<string | Buffer>): Promise<void> {
  const done = Promise.race([once(stream, 'finish'), once(stream, 'close')]);
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await done;
}

/** The body of a get result as text. */
export async function bodyText(result: GetResult | undefined): Promise<string | undefined> {
  if (result === undefined) return undefined;
  const chunks: Buffer[] = [];
  const body = result.body;
  if (body === undefined) return '';
  if (typeof body === 'string' || Buffer.isBuffer(body)) return String(body);
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}

/** One kind of backend the store is tested over, with how to make one and clean up. */
export interface BackendKind {
  name: 'memory' | 'sqlite' | 'redis';
  /** A backend on a fresh namespace of the shared store (same file / server). */
  create(namespace: string): BaseBackend;
  /** Stops servers and removes files. */
  stop(): Promise<void>;
}

/** Starts what a backend kind needs: a temp dir for SQLite, a real redis-server for Redis. */
export async function startBackendKind(name: BackendKind['name']): Promise<BackendKind> {
  const created: BaseBackend[] = [];
  const track = (backend: BaseBackend) => {
    created.push(backend);
    return backend;
  };
  const closeAll = async () => {
    for (const backend of created) await backend.close();
  };
  if (name === 'memory') {
    return { name, create: () => track(new MemoryBackend()), stop: closeAll };
  }
  if (name === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'cachestack-undici-'));
    const path = join(dir, 'cache.db');
    return {
      name,
      create: (namespace) => track(new SqliteBackend({ path, namespace })),
      stop: async () => {
        await closeAll();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const server = await RedisServer.start();
  return {
    name,
    create: (namespace) => track(new RedisBackend({ url: server.url, namespace })),
    stop: async () => {
      await closeAll();
      await server.stop();
    },
  };
}

/** A temp dir removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cachestack-undici-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
