// A caching reverse proxy in front of a small origin: `pnpm reverse-proxy`
// (or `node reverse-proxy/start.mjs` from examples/). With REDIS_URL set the
// cache lives in that Redis (shared by every proxy pointing at it); otherwise
// in this process's memory. Ctrl+C stops everything.
import { startCachingProxy } from './caching-proxy.mjs';
import { startOrigin } from './origin.mjs';

const port = Number(process.env.PORT ?? 0);
const origin = await startOrigin({ port: port === 0 ? 0 : port + 1 });
const proxy = await startCachingProxy({
  upstream: origin.url,
  redisUrl: process.env.REDIS_URL || undefined,
  port,
});

console.log(`cachestack caching reverse proxy (${proxy.backendType} backend)
  proxy:  ${proxy.url}
  origin: ${origin.url}

Try:
  curl -i ${proxy.url}/news                        # from the origin, then stored (max-age=5)
  curl -i ${proxy.url}/news                        # from the cache: same body, Age: n
  curl -i -X POST ${proxy.url}/news                # the origin changes it; the stored copy is dropped
  curl -i ${proxy.url}/me -H 'Cookie: sid=alice'   # per-user page: never shared
  curl -i ${proxy.url}/me -H 'Cookie: sid=bob'     # bob's own page
  curl -i ${proxy.url}/report                      # revalidated with If-None-Match every time (304 upstream)
  curl -s ${proxy.url}/big | wc -c                 # 4 MiB streamed through, not stored
Press Ctrl+C to stop.`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await proxy.close();
  await origin.close();
  console.log('stopped: proxy and origin closed');
}
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    shutdown().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
