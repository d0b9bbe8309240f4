import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Cache, createCache } from '@cachestack/cache';
import { MemoryBackend } from '@cachestack/memory';

/** Handler run counts per route, shared by every framework's test app. */
export type RunCounts = Map<string, number>;

export function countRun(counts: RunCounts, route: string): number {
  const next = (counts.get(route) ?? 0) + 1;
  counts.set(route, next);
  return next;
}

/** Two MiB, in 64 KiB chunks of repeating bytes. */
export const BIG_CHUNK_BYTES = 64 * 1024;
export const BIG_CHUNKS = 32;

export function bigChunk(index: number): Uint8Array {
  return new Uint8Array(BIG_CHUNK_BYTES).fill(index % 251);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fresh facade cache over a fresh memory backend. */
export function createTestCache(): { cache: Cache; close: () => Promise<void> } {
  const backend = new MemoryBackend();
  const cache = createCache({ backend, namespace: 'http' });
  return { cache, close: () => backend.close() };
}

/** Listens on a loopback port chosen by the OS; resolves the base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
}

/**
 * The routes every framework app implements:
 * - `GET /items/:id` text `item <id> run <n>` (n counts runs of that route); `x-fail: 1` on unsafe → 500
 * - `POST /items/:id` 201, `DELETE /items/:id` 204, `POST /vary` 201
 * - `GET /vary` `Vary: Accept-Language`, body `lang <value>`
 * - `GET /nostore` `no-store`, `/private` `private, max-age=60`, `/cookie` Set-Cookie,
 *   `/star` `Vary: *`, `/maxage0` `max-age=0`, `/short` `max-age=1`
 * - `GET /etag` handler ETag `W/"v1"`
 * - `GET /slow` answers after 150 ms
 * - `GET /big` streams {@link BIG_CHUNKS} × {@link BIG_CHUNK_BYTES}
 */
export interface TestApp {
  baseUrl: string;
  counts: RunCounts;
  close: () => Promise<void>;
}
