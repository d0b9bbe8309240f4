import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/**
 * Builds a web `Request` describing a node request. Without `withBody` it is
 * bodyless (the body stays in the node stream for the app); with it, the
 * body streams from `req` (for proxying).
 */
export function toWebRequest(
  req: IncomingMessage,
  path = req.url ?? '/',
  withBody = false,
): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const host = req.headers.host ?? 'localhost';
  let url: URL;
  try {
    // An origin-form target (`/a`, even `//a`) is a path on this host, never another authority.
    url = path.startsWith('/') ? new URL(`http://${host}${path}`) : new URL(path, `http://${host}`);
  } catch {
    url = new URL(path.startsWith('/') ? `http://localhost${path}` : path, 'http://localhost');
  }
  const method = req.method ?? 'GET';
  const hasBody = withBody && method !== 'GET' && method !== 'HEAD';
  return new Request(url, {
    method,
    headers,
    ...(hasBody
      ? { body: Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>, duplex: 'half' }
      : {}),
  } as RequestInit);
}

/** Request headers the engine sets or removes on the handler's request. */
const ENGINE_REQUEST_HEADERS = [
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
];

/**
 * Makes the node request look like `request` (method, conditional headers:
 * the client's are removed on a load, the cache's validators set on a
 * revalidation) before the handler runs.
 */
export function applyHandlerRequest(req: IncomingMessage, request: Request): void {
  if (req.method !== request.method) req.method = request.method;
  applyHandlerHeaders(req, request);
}

/** Sets or removes the conditional headers of the node request as `request` has them. */
export function applyHandlerHeaders(req: IncomingMessage, request: Request): void {
  for (const name of ENGINE_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value === null) delete req.headers[name];
    else req.headers[name] = value;
  }
}

function toBytes(chunk: unknown, encoding: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return new Uint8Array(chunk);
  return Buffer.from(
    String(chunk),
    typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
  );
}

function responseHeaders(res: ServerResponse): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, String(value));
  }
  return headers;
}

function applyHeaders(res: ServerResponse, headers: OutgoingHttpHeaders | unknown[]): void {
  if (Array.isArray(headers)) {
    for (let index = 0; index + 1 < headers.length; index += 2) {
      res.setHeader(String(headers[index]), String(headers[index + 1]));
    }
    return;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) res.setHeader(name, value);
  }
}

type Callback = (error?: Error | null) => void;

/**
 * The real `writeHead`/`write`/`end` of a node response: what sends bytes
 * to the client while a capture still diverts the handler's calls.
 */
export interface ResponseSink {
  writeHead(status: number): void;
  /** False when the socket buffer is full (wait for `'drain'`). */
  write(chunk: Uint8Array): boolean;
  end(): void;
}

/** The sink of `res` as it is now (its own methods). */
function sinkOf(res: ServerResponse): ResponseSink {
  const writeHead = res.writeHead as (status: number) => ServerResponse;
  const write = res.write as (chunk: Uint8Array) => boolean;
  const end = res.end as () => ServerResponse;
  return {
    writeHead: (status) => {
      writeHead.call(res, status);
    },
    write: (chunk) => write.call(res, chunk),
    end: () => {
      end.call(res);
    },
  };
}

/** Chunks a capture queues before `write` asks the handler to wait for `'drain'`. */
const CAPTURE_QUEUE_CHUNKS = 16;

/**
 * Diverts what the handler writes to `res` into a web `Response` (resolved
 * when the head is written). `release` gives `res` back once the handler has
 * ended, so that a handler still writing after the cache answered (a body
 * streamed through uncached) keeps feeding that response, in order; `sink`
 * writes to the client meanwhile.
 */
export function captureResponse(res: ServerResponse): {
  response: Promise<Response>;
  release: () => void;
  sink: ResponseSink;
} {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  const sink = sinkOf(res);
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  /** A `write` returned false: the handler waits for `'drain'`. */
  let full = false;
  /** Nobody reads the body any more (a HEAD answer, a client gone): writes are dropped. */
  let cancelled = false;
  const drained = (): void => {
    if (!full) return;
    full = false;
    res.emit('drain');
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull: drained,
      cancel: () => {
        cancelled = true;
        drained();
      },
    },
    { highWaterMark: CAPTURE_QUEUE_CHUNKS },
  );
  let resolveHead!: (response: Response) => void;
  const response = new Promise<Response>((resolve) => {
    resolveHead = resolve;
  });
  let headSent = false;
  let ended = false;
  let released = false;
  const restore = (): void => {
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
  };
  const enqueue = (bytes: Uint8Array): void => {
    try {
      controller.enqueue(bytes);
    } catch {
      // The reader cancelled (a HEAD answer, a client gone): the rest is dropped.
    }
  };
  const sendHead = (): void => {
    if (headSent) return;
    headSent = true;
    const status = res.statusCode < 200 || res.statusCode > 599 ? 500 : res.statusCode;
    const nullBody = status === 204 || status === 205 || status === 304;
    if (nullBody) {
      ended = true;
      body.cancel().catch(() => undefined);
    }
    resolveHead(
      new Response(nullBody ? null : body, {
        status,
        statusText: res.statusMessage || '',
        headers: responseHeaders(res),
      }),
    );
  };
  const patched = res as unknown as Record<string, unknown>;
  patched.writeHead = (status: number, reason?: unknown, headers?: unknown): ServerResponse => {
    res.statusCode = status;
    if (typeof reason === 'string') res.statusMessage = reason;
    const extra = typeof reason === 'object' && reason !== null ? reason : headers;
    if (typeof extra === 'object' && extra !== null)
      applyHeaders(res, extra as OutgoingHttpHeaders);
    sendHead();
    return res;
  };
  patched.write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    sendHead();
    if (!ended) enqueue(toBytes(chunk, encoding));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as Callback)());
    if (ended || cancelled || (controller.desiredSize ?? 1) > 0) return true;
    full = true; // until the reader (the cache, or the client's socket) takes more
    return false;
  };
  const end = (chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse => {
    if (typeof chunk === 'function') return end(undefined, undefined, chunk);
    if (typeof encoding === 'function') return end(chunk, undefined, encoding);
    sendHead();
    if (!ended) {
      if (
        chunk !== undefined &&
        chunk !== null &&
        !(chunk instanceof Uint8Array && chunk.byteLength === 0)
      ) {
        enqueue(toBytes(chunk, encoding));
      }
      ended = true;
      try {
        controller.close();
      } catch {
        // Already cancelled (null-body status, a HEAD answer, a client gone).
      }
    }
    if (released) restore();
    if (typeof callback === 'function') queueMicrotask(() => (callback as Callback)());
    return res;
  };
  patched.end = end;
  const release = (): void => {
    released = true;
    if (ended) restore();
  };
  return { response, release, sink };
}

/**
 * Writes a web `Response` to `res` (all headers replaced) through `sink`
 * (by default `res`'s own methods), streaming the body with backpressure.
 */
export async function writeWebResponse(
  res: ServerResponse,
  response: Response,
  sink: ResponseSink = sinkOf(res),
): Promise<void> {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  sink.writeHead(res.statusCode);
  if (response.body === null) {
    sink.end();
    return;
  }
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (sink.write(value)) continue;
    await new Promise<void>((resolve) => {
      const settle = (): void => {
        res.off('drain', settle);
        res.off('close', settle);
        resolve();
      };
      res.on('drain', settle);
      res.on('close', settle);
    });
    if (res.destroyed) {
      await reader.cancel().catch(() => undefined);
      return;
    }
  }
  sink.end();
}
