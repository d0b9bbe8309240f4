import { describeBackendConformance } from '@cachestack/conformance';
import { LatencyProxy, RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll } from 'vitest';
import { RedisBackend } from '../src/index.js';

const MAX_VALUE_BYTES = 8 * 1024 * 1024;
let server: RedisServer;
let secured: RedisServer;
let proxy: LatencyProxy;

beforeAll(async () => {
  [server, secured] = await Promise.all([
    RedisServer.start(),
    RedisServer.start({ password: 'conformance-password' }),
  ]);
  proxy = await LatencyProxy.start(server.port);
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all([server?.destroy(), secured?.destroy()]);
});

describeBackendConformance('RedisBackend (standalone)', {
  create: ({ namespace }) =>
    new RedisBackend({ url: proxy.url, namespace, maxValueBytes: MAX_VALUE_BYTES }),
  capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
  tracingChannel: 'cachestack:backend',
  sharedStore: true,
  maxValueBytes: MAX_VALUE_BYTES,
  // Redis expires on its own clock from when SET arrives; allow for a loaded CI box.
  timingSlackMs: 200,
  faults: {
    makeUnavailable: () => server.stop('SIGKILL'),
    makeAvailable: () => server.restart(),
    unavailableErrorType: 'TRANSIENT',
    // Network latency injected by a TCP proxy between the backend and Redis.
    slowDown: async (delayMs) => {
      proxy.delayMs = delayMs;
    },
    restoreSpeed: async () => {
      proxy.delayMs = 0;
    },
    createWithBadCredentials: async ({ namespace }) =>
      new RedisBackend({ url: `redis://:wrong-password@127.0.0.1:${secured.port}`, namespace }),
  },
});
