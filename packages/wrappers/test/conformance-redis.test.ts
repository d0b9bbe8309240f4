import { describeBackendConformance } from '@cachestack/conformance';
import { RedisBackend } from '@cachestack/redis';
import { LatencyProxy, RedisServer } from '@cachestack/test-support';
import { afterAll } from 'vitest';
import { WRAPPER_CASES } from './support/wrappers.js';

// The whole kit, fault groups included, on every wrapper over a real
// redis-server: stopped and restarted for "unavailable", a latency proxy
// for "slow", a password-protected server for "bad credentials".
const [server, secured] = await Promise.all([
  RedisServer.start(),
  RedisServer.start({ password: 'wrappers-password' }),
]);
const proxy = await LatencyProxy.start(server.port);
afterAll(async () => {
  await proxy.close();
  await Promise.all([server.destroy(), secured.destroy()]);
});

for (const { name, wrap } of WRAPPER_CASES) {
  describeBackendConformance(`${name}(redis)`, {
    create: ({ namespace }) =>
      wrap(new RedisBackend({ url: proxy.url, namespace, commandTimeoutMs: 2_000 }), namespace),
    capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
    sharedStore: true,
    timingSlackMs: 200,
    faults: {
      makeUnavailable: () => server.stop('SIGKILL'),
      makeAvailable: () => server.restart(),
      slowDown: async (delayMs) => {
        proxy.delayMs = delayMs;
      },
      restoreSpeed: async () => {
        proxy.delayMs = 0;
      },
      createWithBadCredentials: async ({ namespace }) =>
        wrap(
          new RedisBackend({ url: `redis://:wrong-password@127.0.0.1:${secured.port}`, namespace }),
          namespace,
        ),
    },
  });
}
