import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What to tell someone without `redis-server`. */
export const REDIS_INSTALL_HINT =
  'redis-server not found on PATH: install it with `apt-get install -y redis-server` ' +
  '(or `brew install redis`), or point REDIS_URL at a running Redis, e.g. REDIS_URL=redis://127.0.0.1:6379';

/**
 * A `redis-server` child process started by {@link startRedisServer}.
 * @typedef {object} RedisProcess
 * @property {string} url - `redis://127.0.0.1:<port>`
 * @property {number} pid - the process id
 * @property {() => Promise<void>} stop - stops it by pid (SIGTERM), waits for the exit and
 *   removes its temp dir. Idempotent.
 * @property {() => void} stopNow - the same without waiting (for `process.on('exit')`).
 */

/**
 * Starts a throwaway `redis-server` on a free loopback port (no persistence,
 * its own temp dir) and waits until it answers `PING`.
 * @returns {Promise<RedisProcess>}
 * @throws {Error} with {@link REDIS_INSTALL_HINT} when `redis-server` is not installed
 */
export async function startRedisServer() {
  const binary = findOnPath('redis-server');
  if (binary === undefined) throw new Error(REDIS_INSTALL_HINT);
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'cachestack-example-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(binary, [...args, '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  /** @param {Buffer} chunk */
  const collect = (chunk) => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', () => resolve(undefined)));
  exit.then(() => {
    exited = true;
  });

  const stopNow = () => {
    if (!exited && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (exited || Date.now() > deadline) {
      stopNow();
      throw new Error(`redis-server on port ${port} did not start:\n${output}`);
    }
    await sleep(25);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: /** @type {number} */ (child.pid),
    stopNow,
    async stop() {
      stopNow();
      await exit;
    },
  };
}

/**
 * @param {string} name
 * @returns {string | undefined}
 */
function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** @returns {Promise<number>} */
function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * True when 127.0.0.1:`port` answers `PING` with `+PONG`.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function answersPing(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
