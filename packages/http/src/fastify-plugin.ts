import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type AdapterOptions, resolveAdapter } from './cache-handler.js';
import type { HandleScope } from './exchange.js';
import { applyHandlerHeaders, toWebRequest } from './node-bridge.js';

/** Marks a node request that a cache layer already handles (nested registrations step aside). */
const SCOPE = Symbol.for('@cachestack/http.scope');

type ScopedRequest = IncomingMessage & { [SCOPE]?: HandleScope };

/** The parts of a Fastify request this plugin uses. */
export interface FastifyRequestLike {
  raw: IncomingMessage;
  method: string;
}

/** The parts of a Fastify reply this plugin uses. */
export interface FastifyReplyLike {
  statusCode: number;
  code(status: number): FastifyReplyLike;
  header(name: string, value: unknown): FastifyReplyLike;
  getHeaders(): Record<string, unknown>;
  removeHeader(name: string): FastifyReplyLike;
  send(payload?: unknown): FastifyReplyLike;
}

/** The parts of a Fastify instance this plugin uses. */
export interface FastifyInstanceLike {
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>,
  ): unknown;
  addHook(
    name: 'onSend',
    hook: (
      request: FastifyRequestLike,
      reply: FastifyReplyLike,
      payload: unknown,
    ) => Promise<unknown>,
  ): unknown;
}

/** Per-request state between the `onRequest` and `onSend` hooks. */
interface PendingLoad {
  captured: (response: Response) => void;
  final: Promise<Response>;
}

function payloadBody(payload: unknown): ConstructorParameters<typeof Response>[0] {
  if (payload === null || payload === undefined) return null;
  if (typeof payload === 'string' || payload instanceof Uint8Array) return payload;
  if (payload instanceof Readable)
    return Readable.toWeb(payload) as unknown as ReadableStream<Uint8Array>;
  if (payload instanceof ReadableStream) return payload;
  return String(payload);
}

function replyHeaders(reply: FastifyReplyLike): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, String(item));
    else headers.set(name, String(value));
  }
  return headers;
}

function applyResponse(reply: FastifyReplyLike, response: Response, head: boolean): unknown {
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  reply.code(response.status);
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') reply.header(name, value);
  });
  if (cookies.length > 0) reply.header('set-cookie', cookies);
  // Fastify's HEAD route handler drains a stream payload and keeps our Content-Length.
  if (response.body === null) return head ? Readable.from([]) : null;
  return Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
}

/** Options Fastify's `register` itself takes, left in the plugin's options object. */
const FASTIFY_REGISTER_OPTIONS = ['prefix', 'logLevel', 'logSerializers'];

/**
 * HTTP caching as a Fastify plugin: `await app.register(fastifyCache, { cache })`.
 * It applies to the routes of the scope it is registered in (and, as it skips
 * Fastify's encapsulation, to its parent's). Hits are answered in `onRequest`
 * without running the route; on a miss the route's payload is captured in
 * `onSend`, stored when cacheable, and sent.
 *
 * Options as {@link AdapterOptions}; invalid ones fail registration with a
 * `TypeError` naming the option.
 */
export function fastifyCache(
  instance: FastifyInstanceLike,
  options: AdapterOptions,
  done: (error?: Error) => void,
): void {
  let adapter: ReturnType<typeof resolveAdapter>;
  try {
    adapter = resolveAdapter(options, FASTIFY_REGISTER_OPTIONS);
  } catch (error) {
    done(error as Error);
    return;
  }
  const { engine, route } = adapter;
  const pending = new WeakMap<FastifyRequestLike, PendingLoad>();

  instance.addHook('onRequest', async (request, reply) => {
    const raw = request.raw as ScopedRequest;
    const outer = raw[SCOPE];
    if (outer !== undefined) {
      // A layer registered in an enclosing scope handles this request: refine its options.
      outer.nested.push(route);
      return undefined;
    }
    const scope: HandleScope = { nested: [] };
    raw[SCOPE] = scope;
    let proceed!: () => void;
    const proceeding = new Promise<'proceed'>((resolve) => {
      proceed = () => resolve('proceed');
    });
    let captured!: (response: Response) => void;
    const capturedResponse = new Promise<Response>((resolve) => {
      captured = resolve;
    });
    let ran = false;
    const run = (handlerRequest: Request): Promise<Response> => {
      if (ran) throw new Error('the route already ran for this request');
      ran = true;
      applyHandlerHeaders(request.raw, handlerRequest);
      proceed();
      return capturedResponse;
    };
    const final = engine.handle(toWebRequest(request.raw, request.raw.url), run, route, { scope });
    final.catch(() => undefined);
    pending.set(request, { captured, final });
    const first = await Promise.race([final, proceeding]);
    if (first === 'proceed') return undefined;
    pending.delete(request);
    return reply.send(applyResponse(reply, first, request.method === 'HEAD'));
  });

  instance.addHook('onSend', async (request, reply, payload) => {
    const load = pending.get(request);
    if (load === undefined) return payload;
    pending.delete(request);
    const status = reply.statusCode;
    const nullBody = status === 204 || status === 205 || status === 304 || status < 200;
    if (nullBody && payload instanceof Readable) payload.destroy();
    load.captured(
      new Response(nullBody ? null : payloadBody(payload), {
        status: status < 200 || status > 599 ? 500 : status,
        headers: replyHeaders(reply),
      }),
    );
    return applyResponse(reply, await load.final, request.method === 'HEAD');
  });
  done();
}

// Fastify's `skip-override`: the hooks apply to the scope that registers the plugin.
(fastifyCache as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
