import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Cache, createCache } from '@cachestack/cache';
import { MemoryBackend } from '@cachestack/memory';

/** Handler run counts per route, shared by every framework's test app. */
export type RunCounts = Map<string, number>;

/** Counts one more run of `route`; returns the new count (1 for the first run). */
export function countRun(counts: RunCounts, route: string): number {
  const next = (counts.get(route) ?? 0) + 1;
  counts.set(route, next);
  return next;
}

/** Bytes of one chunk of the `/big` body (64 KiB of one repeated byte). */
export const BIG_CHUNK_BYTES = 64 * 1024;
/** Chunks of the `/big` body: 2 MiB in all. */
export const BIG_CHUNKS = 32;

/** Chunk `index` of the `/big` body. */
export function bigChunk(index: number): Uint8Array {
  return new Uint8Array(BIG_CHUNK_BYTES).fill(index % 251);
}

/**
 * The `/big` body of every framework's test app: {@link BIG_CHUNKS} chunks ({@link bigChunk}), pausing 1 ms before every
 * 8th so that it really arrives as a stream.
 */
export async function* bigChunks(): AsyncGenerator<Uint8Array> {
  for (let index = 0; index < BIG_CHUNKS; index++) {
    if (index % 8 === 0) await delay(1);
    yield bigChunk(index);
  }
}

/** Resolves after `ms`. */
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

/** Closes `server`, dropping its keep-alive connections. */
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
 * - {@link HEADER_ROUTES}: `GET /<name>` with only those response headers and status, body `<name> run <n>`
 * - `GET /slow` answers after 150 ms
 * - `GET /big` streams {@link BIG_CHUNKS} × {@link BIG_CHUNK_BYTES}
 */
export interface TestApp {
  baseUrl: string;
  counts: RunCounts;
  close: () => Promise<void>;
}

/**
 * The routes of every framework's test app that differ only by response
 * headers and status: `/nostore` `no-store`, `/private` `private, max-age=60`,
 * `/cookie` Set-Cookie, `/star` `Vary: *`, `/maxage0` `max-age=0`, `/short`
 * `max-age=1`, `/etag` a handler ETag `W/"v1"`, `/missing` a 404.
 */
export const HEADER_ROUTES: ReadonlyArray<{
  name: string;
  headers: Readonly<Record<string, string>>;
  status: number;
}> = [
  { name: 'nostore', headers: { 'Cache-Control': 'no-store' }, status: 200 },
  { name: 'private', headers: { 'Cache-Control': 'private, max-age=60' }, status: 200 },
  { name: 'cookie', headers: { 'Set-Cookie': 'session=abc' }, status: 200 },
  { name: 'star', headers: { Vary: '*' }, status: 200 },
  { name: 'maxage0', headers: { 'Cache-Control': 'max-age=0' }, status: 200 },
  { name: 'short', headers: { 'Cache-Control': 'max-age=1' }, status: 200 },
  { name: 'etag', headers: { ETag: 'W/"v1"' }, status: 200 },
  { name: 'missing', headers: {}, status: 404 },
];

/** Something a test app owns and closes when it stops (a server, an app, a cache). */
export interface Closable {
  close(): Promise<unknown>;
}

/** A {@link TestApp} at `baseUrl` whose `close` closes each of `owned`, in order. */
export function testApp(baseUrl: string, counts: RunCounts, ...owned: Closable[]): TestApp {
  return {
    baseUrl,
    counts,
    close: async () => {
      for (const resource of owned) await resource.close();
    },
  };
}

/**
 * Serves `server` on a loopback port ({@link listen}); its `close` closes the
 * server first ({@link closeServer}), then each of `owned`, in order.
 */
export async function serveTestApp(
  server: Server,
  counts: RunCounts,
  ...owned: Closable[]
): Promise<TestApp> {
  const baseUrl = await listen(server);
  return testApp(baseUrl, counts, { close: () => closeServer(server) }, ...owned);
}
