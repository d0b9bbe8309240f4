// Throwaway redis-server processes for the benchmarks: a standalone server and
// a 3-master Cluster on free loopback ports, each stopped by pid.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const INSTALL_HINT = 'install it with `apt-get install -y redis-server` (Redis >= 6.0)';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `redis-server` on a free port (extra `args` appended); resolves `{ port, url, pid, stop }`. */
export async function startServer(args = []) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cachestack-bench-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...args,
    ],
    { stdio: 'ignore' },
  );
  child.once('error', () => {
    console.error(`redis-server not found: ${INSTALL_HINT}`);
    process.exit(1);
  });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      await probe.ping();
      break;
    } catch (error) {
      if (i > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  probe.disconnect();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a 3-master Cluster (no replicas); resolves `{ nodes, servers, stop }`. */
export async function startCluster(masters = 3) {
  const servers = [];
  for (let i = 0; i < masters; i++) {
    servers.push(
      await startServer(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']),
    );
  }
  try {
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...servers.map((server) => `127.0.0.1:${server.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    if (error.code === 'ENOENT') {
      console.error(`redis-cli not found: ${INSTALL_HINT}`);
      process.exit(1);
    }
    throw error;
  }
  for (const server of servers) {
    const probe = new Redis({ port: server.port, host: '127.0.0.1' });
    while (!String(await probe.cluster('INFO')).includes('cluster_state:ok')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    probe.disconnect();
  }
  return {
    nodes: servers.map((server) => ({ host: '127.0.0.1', port: server.port })),
    servers,
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}
