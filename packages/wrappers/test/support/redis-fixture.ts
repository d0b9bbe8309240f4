import { RedisBackend } from '@cachestack/redis';
import { LatencyProxy, RedisServer } from '@cachestack/test-support';
import { afterAll, afterEach, beforeEach } from 'vitest';

/** Something a test opens and the fixture closes after it. */
export interface Closable {
  close(): Promise<void>;
}

/** How {@link startRedisFixture} makes backends. */
export interface RedisFixtureOptions {
  /** Prefix of each backend's namespace: `<namespace>-<n>`, a fresh one per backend. */
  namespace: string;
  /** The backends' `commandTimeoutMs` unless a call gives one, in ms. */
  commandTimeoutMs: number;
  /**
   * Backends connect through the latency proxy unless a call gives a URL
   * (else straight to the server).
   * @default false
   */
  viaProxy?: boolean | undefined;
}

/** A test file's Redis: a real server, a latency proxy in front of it, and what to close. */
export interface RedisFixture {
  server: RedisServer;
  /** Forwards to {@link RedisFixture.server}; its `delayMs` is reset to 0 after each test. */
  proxy: LatencyProxy;
  /** Closed (all at once) after each test: push the backends a test opens. */
  open: Closable[];
  /** A new `RedisBackend` in a fresh namespace, at `url` (the server, or the proxy with `viaProxy`). */
  redis(url?: string, commandTimeoutMs?: number): RedisBackend;
}

/**
 * Starts a Redis server and a latency proxy for the calling test file and
 * registers its hooks: before each test the server is restarted if a test
 * stopped it; after each test the proxy's delay goes back to 0 and every
 * backend in `open` is closed; after all, the proxy and the server are
 * stopped (the server by pid).
 */
export async function startRedisFixture(options: RedisFixtureOptions): Promise<RedisFixture> {
  const server = await RedisServer.start();
  let proxy: LatencyProxy;
  try {
    proxy = await LatencyProxy.start(server.port);
  } catch (error) {
    await server.destroy();
    throw error;
  }
  const open: Closable[] = [];
  let namespaces = 0;
  beforeEach(async () => {
    if (server.pid === undefined) await server.restart();
  });
  afterEach(async () => {
    proxy.delayMs = 0;
    await Promise.all(open.splice(0).map((backend) => backend.close()));
  });
  afterAll(async () => {
    await proxy.close();
    await server.destroy();
  });
  return {
    server,
    proxy,
    open,
    redis(url = options.viaProxy === true ? proxy.url : server.url, commandTimeoutMs?: number) {
      namespaces += 1;
      return new RedisBackend({
        url,
        namespace: `${options.namespace}-${namespaces}`,
        commandTimeoutMs: commandTimeoutMs ?? options.commandTimeoutMs,
      });
    },
  };
}

/** What `promise` rejected with, or `undefined` when it resolved. */
export async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}
