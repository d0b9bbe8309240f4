import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { withoutHopByHop } from './hop-by-hop.js';

/** An interim (1xx) response from the upstream: status and headers. */
export type InterimListener = (status: number, headers: Record<string, string | string[]>) => void;

/** How {@link sendUpstream} talks to the upstream. @internal */
export interface UpstreamSettings {
  /** Called with each interim response (102, 103) the upstream sends. */
  onInterim?: InterimListener | undefined;
  /** Origin (and optional path prefix) requests are sent to. */
  upstream: URL;
  /** Longest wait for the upstream's response head, in ms. */
  timeoutMs: number;
}

function responseHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    try {
      headers.append(raw[index] as string, raw[index + 1] as string);
    } catch {
      // A header value fetch's Headers rejects is dropped, never a crash.
    }
  }
  return withoutHopByHop(headers);
}

/**
 * Sends `request` (already carrying the proxy's headers) to the upstream with
 * node's HTTP client: the body streams both ways, nothing is decompressed, and
 * the response's hop-by-hop headers are removed. Rejects when the upstream
 * cannot be reached or does not answer within `timeoutMs`. @internal
 */
export function sendUpstream(request: Request, settings: UpstreamSettings): Promise<Response> {
  const incoming = new URL(request.url);
  const base = settings.upstream;
  const prefix = base.pathname.replace(/\/$/, '');
  const target = new URL(`${prefix}${incoming.pathname}${incoming.search}`, base.origin);
  const headers: Record<string, string | string[]> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  headers.host = base.host;
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const outgoing = send(target, { method: request.method, headers }, (res) => {
      outgoing.setTimeout(0);
      const status = res.statusCode ?? 502;
      const noBody =
        request.method === 'HEAD' || status === 204 || status === 205 || status === 304;
      if (noBody) res.resume();
      if (status < 200 || status > 599) {
        res.resume();
        reject(new Error(`upstream answered with status ${status}`));
        return;
      }
      resolve(
        new Response(
          noBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>),
          {
            status,
            statusText: res.statusMessage ?? '',
            headers: responseHeaders(res),
          },
        ),
      );
    });
    outgoing.on('information', (info) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(info.headers)) {
        if (value !== undefined) headers[name] = value;
      }
      settings.onInterim?.(info.statusCode, headers);
    });
    outgoing.setTimeout(settings.timeoutMs, () => {
      outgoing.destroy(new Error(`upstream did not answer within ${settings.timeoutMs} ms`));
    });
    outgoing.on('error', reject);
    if (request.body === null) {
      outgoing.end();
      return;
    }
    Readable.fromWeb(request.body as unknown as NodeReadableStream<Uint8Array>)
      .on('error', (error) => outgoing.destroy(error))
      .pipe(outgoing);
  });
}
