// expressCache and handlers that keep writing after the cache has decided
// not to store their response (a body over maxBodyBytes, no-store): the
// rest of the body must still reach the client, complete and in order.
import { once } from 'node:events';
import { createServer } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressCache } from '../src/index.js';
import {
  BIG_CHUNK_BYTES,
  BIG_CHUNKS,
  bigChunk,
  bigChunks,
  createTestCache,
  serveTestApp,
  type TestApp,
} from './support/test-app.js';

/** A hang must fail the test, never stall the run. */
const HANG_MS = 10_000;

/** 32 MiB: more than the socket buffers between server and client hold. */
const PACED_CHUNKS = 512;

describe('expressCache: a response passed through while the handler still writes', () => {
  let app: TestApp;
  /** Chunks the `/paced` handler has written so far. */
  let pacedWritten = 0;
  beforeAll(async () => {
    const store = createTestCache();
    const routes = express();
    routes.use(expressCache({ cache: store.cache, ttlMs: 60_000 }));
    // Each chunk written after an await: the handler is still writing when the cache answers.
    routes.get('/big', async (_req, res) => {
      res.status(200).type('application/octet-stream');
      for await (const chunk of bigChunks()) res.write(chunk);
      res.end();
    });
    routes.get('/no-store', async (_req, res) => {
      res.status(200).set('cache-control', 'no-store').type('application/octet-stream');
      for await (const chunk of bigChunks()) res.write(chunk);
      res.end();
    });
    // A handler that honours backpressure: it waits for 'drain' when write() says so.
    routes.get('/paced', async (_req, res) => {
      res.status(200).set('cache-control', 'no-store').type('application/octet-stream');
      for (let index = 0; index < PACED_CHUNKS; index++) {
        const more = res.write(bigChunk(index));
        pacedWritten = index + 1;
        if (!more) await once(res, 'drain');
      }
      res.end();
    });
    app = await serveTestApp(createServer(routes), new Map(), store);
  });
  afterAll(async () => {
    await app?.close();
  });

  async function body(path: string, method = 'GET'): Promise<Uint8Array> {
    const response = await fetch(`${app.baseUrl}${path}`, {
      method,
      signal: AbortSignal.timeout(HANG_MS),
    });
    expect(response.status).toBe(200);
    return new Uint8Array(await response.arrayBuffer());
  }

  function expectChunks(bytes: Uint8Array, chunks: number): void {
    expect(bytes.byteLength).toBe(chunks * BIG_CHUNK_BYTES);
    for (let index = 0; index < chunks; index++) {
      const chunk = bytes.subarray(index * BIG_CHUNK_BYTES, (index + 1) * BIG_CHUNK_BYTES);
      expect(chunk.every((byte) => byte === index % 251)).toBe(true);
    }
  }

  it('streams a body over maxBodyBytes complete and in order, twice (never stored)', async () => {
    expectChunks(await body('/big'), BIG_CHUNKS);
    expectChunks(await body('/big'), BIG_CHUNKS);
  });

  it('streams a no-store body complete and in order', async () => {
    expectChunks(await body('/no-store'), BIG_CHUNKS);
  });

  it('answers HEAD without a body while the handler keeps writing, then GET intact', async () => {
    expect((await body('/no-store', 'HEAD')).byteLength).toBe(0);
    expectChunks(await body('/no-store'), BIG_CHUNKS);
  });

  it('passes backpressure on: the handler waits while the client does not read', async () => {
    const response = await fetch(`${app.baseUrl}/paced`, { signal: AbortSignal.timeout(HANG_MS) });
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pacedWritten).toBeLessThan(PACED_CHUNKS); // held back, not buffered in memory
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(pacedWritten).toBe(PACED_CHUNKS);
    expectChunks(Buffer.concat(chunks), PACED_CHUNKS);
  });
});
