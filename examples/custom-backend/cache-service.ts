import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodeKeySegment,
  ENTRIES_PATH,
  HEALTH_PATH,
  NAMESPACE_PATTERN,
  NO_EXPIRY,
  TTL_HEADER,
} from './cache-protocol.js';
import { EntryStore } from './entry-store.js';

/** Options of {@link CacheService.start}. */
export interface CacheServiceOptions {
  /** The bearer token every request must carry. */
  token: string;
  /**
   * Largest value accepted, in bytes; larger bodies get 413.
   * @default 1 MiB
   */
  maxValueBytes?: number | undefined;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  host?: string | undefined;
  /**
   * Port to listen on; 0 picks a free one.
   * @default 0
   */
  port?: number | undefined;
}

/** The default {@link CacheServiceOptions.maxValueBytes}: 1 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

/** Longest TTL the service accepts, in ms (as cachestack's `MAX_TTL_MS`). */
const MAX_TTL_MS = 1e15;

type Reply = { status: number; headers?: Record<string, string>; body?: Uint8Array | string };

const reply = (status: number, body?: string, headers?: Record<string, string>): Reply => ({
  status,
  ...(body === undefined ? {} : { body }),
  ...(headers === undefined ? {} : { headers }),
});

/**
 * A small cache service over HTTP (`node:http` only), the kind of service a
 * team might run next to its apps. The protocol is described in
 * `cache-protocol.ts`. Data lives in memory ({@link EntryStore}) and survives
 * {@link CacheService.stop} / {@link CacheService.restart}, as a service
 * behind a flaky network would.
 *
 * Two knobs exist for drills: {@link CacheService.responseDelayMs} (every
 * request waits that long before it is handled) and
 * {@link CacheService.maintenance} (every request is answered 503).
 */
export class CacheService {
  /** Milliseconds every request waits before it is handled (latency drills). */
  responseDelayMs = 0;
  /** When true, every request is answered `503 Service Unavailable`. */
  maintenance = false;
  readonly #token: Buffer;
  readonly #maxValueBytes: number;
  readonly #host: string;
  readonly #store = new EntryStore();
  readonly #server: Server;
  #port: number;
  #listening = false;
  #requests = 0;

  private constructor(options: CacheServiceOptions) {
    if (typeof options.token !== 'string' || options.token === '') {
      throw new TypeError('token must be a non-empty string');
    }
    this.#token = Buffer.from(`Bearer ${options.token}`);
    this.#maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 0;
    this.#server = createServer((request, response) => {
      this.#handle(request).then(
        (answer) => send(response, answer),
        (error: unknown) => send(response, reply(500, `internal error: ${String(error)}`)),
      );
    });
  }

  /** Starts a service and resolves once it listens. */
  static async start(options: CacheServiceOptions): Promise<CacheService> {
    const service = new CacheService(options);
    await service.restart();
    return service;
  }

  /** `http://<host>:<port>`. */
  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  /** The port it listens on (kept across stop and restart). */
  get port(): number {
    return this.#port;
  }

  /** How many requests reached the service so far. */
  get requestCount(): number {
    return this.#requests;
  }

  /** Stops listening and drops every open connection. The data stays. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  /** Listens again, on the same port as before. Idempotent. */
  async restart(): Promise<void> {
    if (this.#listening) return;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, this.#host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#listening = true;
  }

  /** Stops the service for good and releases its timer. */
  async close(): Promise<void> {
    await this.stop();
    this.#store.close();
  }

  async #handle(request: IncomingMessage): Promise<Reply> {
    this.#requests += 1;
    if (this.responseDelayMs > 0) await sleep(this.responseDelayMs);
    if (this.maintenance) {
      await drain(request);
      return reply(503, 'down for maintenance', { 'retry-after': '1' });
    }
    const authorization = Buffer.from(request.headers.authorization ?? '');
    if (
      authorization.length !== this.#token.length ||
      !timingSafeEqual(authorization, this.#token)
    ) {
      await drain(request);
      return reply(401, 'a valid bearer token is required', { 'www-authenticate': 'Bearer' });
    }
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const method = request.method ?? 'GET';
    if (path === HEALTH_PATH) {
      if (method !== 'GET') return reply(405, 'use GET', { allow: 'GET' });
      const body = JSON.stringify({ entries: this.#store.size });
      return { status: 200, headers: { 'content-type': 'application/json' }, body };
    }
    if (!path.startsWith(`${ENTRIES_PATH}/`)) return reply(404, 'no such resource');
    const [namespace, segment, ...rest] = path.slice(ENTRIES_PATH.length + 1).split('/');
    if (namespace === undefined || !NAMESPACE_PATTERN.test(namespace) || rest.length > 0) {
      return reply(400, 'expected /v1/entries/:namespace[/:key]');
    }
    if (segment === undefined) {
      if (method !== 'DELETE') return reply(405, 'use DELETE', { allow: 'DELETE' });
      this.#store.clear(namespace);
      return reply(204);
    }
    const key = decodeKeySegment(segment);
    if (key === undefined) return reply(400, 'the key must be base64url of UTF-8');
    return this.#entry(method, namespace, key, request);
  }

  async #entry(
    method: string,
    namespace: string,
    key: string,
    request: IncomingMessage,
  ): Promise<Reply> {
    switch (method) {
      case 'GET':
      case 'HEAD': {
        const entry = this.#store.get(namespace, key);
        if (entry === undefined) return reply(404);
        const ttl = entry.ttlMs === undefined ? NO_EXPIRY : String(entry.ttlMs);
        return {
          status: 200,
          headers: { [TTL_HEADER]: ttl, 'content-type': 'application/octet-stream' },
          body: entry.value, // node:http sends no body for HEAD, but the right content-length
        };
      }
      case 'PUT': {
        const ttlMs = parseTtl(request.headers[TTL_HEADER], false);
        if (ttlMs === null) return drain(request).then(() => reply(400, 'bad cache-ttl-ms'));
        const body = await readBody(request, this.#maxValueBytes);
        if (body === 'too-large') {
          return reply(413, `values are at most ${this.#maxValueBytes} bytes`);
        }
        if (body === 'aborted') return reply(400, 'request aborted');
        this.#store.set(namespace, key, body, ttlMs);
        return reply(204);
      }
      case 'PATCH': {
        const ttlMs = parseTtl(request.headers[TTL_HEADER], true);
        await drain(request);
        if (ttlMs === null || ttlMs === undefined) return reply(400, 'bad cache-ttl-ms');
        return reply(this.#store.refresh(namespace, key, ttlMs) ? 204 : 404);
      }
      case 'DELETE':
        return reply(this.#store.delete(namespace, key) ? 204 : 404);
      default:
        return reply(405, 'use GET, HEAD, PUT, PATCH or DELETE', {
          allow: 'GET, HEAD, PUT, PATCH, DELETE',
        });
    }
  }
}

/** A TTL header: `undefined` when absent (and allowed), `null` when invalid. */
function parseTtl(
  header: string | string[] | undefined,
  required: boolean,
): number | null | undefined {
  if (header === undefined) return required ? null : undefined;
  if (typeof header !== 'string' || !/^[1-9][0-9]{0,15}$/.test(header)) return null;
  const ttlMs = Number(header);
  return ttlMs <= MAX_TTL_MS ? ttlMs : null;
}

/** The request body, or why there is none. Over `maxBytes` the rest is read and dropped. */
function readBody(
  request: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    let tooLarge = declared > maxBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    request.once('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    request.once('error', () => resolve('aborted'));
    request.once('close', () => resolve('aborted')); // no effect after 'end'
  });
}

/** Reads and drops the request body, so the answer never races the upload. */
function drain(request: IncomingMessage): Promise<void> {
  if (request.complete) return Promise.resolve();
  return new Promise((resolve) => {
    request.once('end', resolve);
    request.once('error', () => resolve());
    request.once('close', () => resolve());
    request.resume();
  });
}

function send(response: ServerResponse, answer: Reply): void {
  if (response.destroyed) return;
  const body = answer.body ?? '';
  response.writeHead(answer.status, {
    'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength),
    ...answer.headers,
  });
  response.end(body);
}
