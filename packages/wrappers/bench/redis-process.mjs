// Starts a throwaway redis-server on a free loopback port for a benchmark and stops it by pid.
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server on `port` answers PING (tries for about 5 s). */
async function waitForPing(port) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const answered = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', () => resolve(false));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('connect', () => socket.write('PING\r\n'));
    });
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

/** A running redis-server: `{ port, url, stop() }`. Fails with an install hint when the binary is missing. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `redis-server could not start (${error.message}): install it, e.g. apt-get install redis-server`,
        ),
      ),
    );
    child.once('spawn', resolve);
  });
  // Never leave the server behind, even when the benchmark crashes.
  const killOnExit = () => {
    if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null) return;
    process.kill(child.pid, 'SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  try {
    await waitForPing(port);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
  };
}
