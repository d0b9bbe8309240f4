// A small origin server for the caching reverse proxy example (node:http, no
// framework). Each route shows one thing a shared cache must get right; the
// origin counts the requests it answers so you can see what the cache saved.
import { createServer } from 'node:http';

/**
 * @typedef {object} Origin
 * @property {string} url - `http://127.0.0.1:<port>`
 * @property {(path: string) => number} hits - requests the origin answered for `path` (with query)
 * @property {() => Promise<void>} close - stops listening and ends open connections
 */

/** Body of `/big`: 4 MiB, larger than the cache stores (streamed through). */
export const BIG_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Starts the origin on `port` (0: a free one) on loopback.
 * Routes:
 * - `GET /news` — `Cache-Control: public, max-age=5`: shared for 5 s
 * - `GET /me` — a page per `Cookie: sid=…`, `Cache-Control: max-age=60` (no `public`):
 *   never shared between users
 * - `GET /report` — `Cache-Control: no-cache` with an `ETag`: revalidated every time,
 *   the origin answers `304` when it still matches
 * - `POST /news` — changes the news; the proxy then drops its stored copy
 * - `GET /big` — a 4 MiB body, streamed through uncached
 * @param {{ port?: number }} [options]
 * @returns {Promise<Origin>}
 */
export async function startOrigin(options = {}) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  let newsVersion = 1;
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    /** @type {(status: number, headers: Record<string, string>, body: string | undefined) => void} */
    const send = (status, headers, body) => {
      res.writeHead(status, headers);
      res.end(body);
    };
    if (req.method === 'POST' && path === '/news') {
      newsVersion++;
      send(204, {}, undefined);
    } else if (path === '/news') {
      send(
        200,
        { 'content-type': 'text/plain', 'cache-control': 'public, max-age=5' },
        `news v${newsVersion}\n`,
      );
    } else if (path === '/me') {
      const user = /sid=(\w+)/.exec(req.headers.cookie ?? '')?.[1] ?? 'guest';
      send(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' }, `hello ${user}\n`);
    } else if (path === '/report') {
      const etag = '"report-v1"';
      if (req.headers['if-none-match'] === etag) send(304, { etag }, undefined);
      else
        send(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache', etag }, 'report\n');
    } else if (path === '/big') {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'cache-control': 'max-age=60',
      });
      const chunk = Buffer.alloc(64 * 1024, 7);
      let sent = 0;
      const pump = () => {
        while (sent < BIG_BODY_BYTES) {
          sent += chunk.byteLength;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else {
      send(404, { 'content-type': 'text/plain' }, 'not found\n');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve(undefined)));
      }),
  };
}
