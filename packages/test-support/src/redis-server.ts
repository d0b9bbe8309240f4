import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

const INSTALL_HINT = 'install it with `apt-get install -y redis-server`';

/** Absolute path of `name` on PATH, or a thrown error with the install hint. */
export function requireBinary(name: 'redis-server' | 'redis-cli'): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found: ${INSTALL_HINT}`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free loopback port (and, for Cluster nodes, a free bus port at +10000). */
export async function freePort(withBusPort = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (!withBusPort) return port;
    if (port < 55_000 && (await bindable(port + 10_000))) return port;
  }
  throw new Error('no free loopback port found');
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one command to 127.0.0.1:`port` on a throwaway connection. */
export async function command(
  port: number,
  args: (string | number)[],
  password?: string,
): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    connectTimeout: 1000,
  });
  client.on('error', () => {});
  try {
    const [name, ...rest] = args;
    return await client.call(String(name), ...rest);
  } finally {
    client.disconnect();
  }
}

/** Options for {@link RedisServer.start}. */
export interface RedisServerOptions {
  /** Port to listen on; a free one by default. */
  port?: number;
  /** `--requirepass`. */
  password?: string;
  /** Start as a Cluster node. */
  cluster?: boolean;
  /** Extra command-line arguments. */
  args?: string[];
  /** Start a Sentinel (`redis-server sentinel.conf --sentinel`) with these config lines. */
  sentinel?: string[];
}

/** A `redis-server` child process on loopback, with its own temp dir. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly #args: string[];
  readonly #password: string | undefined;
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(port: number, dir: string, args: string[], password?: string) {
    this.port = port;
    this.dir = dir;
    this.#args = args;
    this.#password = password;
  }

  /** Starts a server and waits until it answers `PING`. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    requireBinary('redis-server');
    const port = options.port ?? (await freePort(options.cluster === true));
    const dir = await mkdtemp(join(tmpdir(), 'cachestack-redis-'));
    if (options.sentinel !== undefined) {
      const config = join(dir, 'sentinel.conf');
      await writeFile(
        config,
        [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...options.sentinel, ''].join('\n'),
      );
      const server = new RedisServer(port, dir, [config, '--sentinel']);
      await server.restart();
      return server;
    }
    const args = [
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
      '--enable-debug-command',
      'local',
      ...(options.password ? ['--requirepass', options.password] : []),
      ...(options.cluster
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '5000',
            // Nodes tell clients to reach them on loopback, never another interface.
            '--cluster-announce-ip',
            '127.0.0.1',
          ]
        : []),
      ...(options.args ?? []),
    ];
    const server = new RedisServer(port, dir, args, options.password);
    await server.restart();
    return server;
  }

  /** `redis://127.0.0.1:<port>` (with the password, if any). */
  get url(): string {
    return this.#password
      ? `redis://:${encodeURIComponent(this.#password)}@127.0.0.1:${this.port}`
      : `redis://127.0.0.1:${this.port}`;
  }

  /** The process id, while running. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** (Re)starts the process on the same port and waits until it answers `PING`. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) return;
    const child = spawn(requireBinary('redis-server'), this.#args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const collect = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.#child !== child) {
        throw new Error(`redis-server on port ${this.port} exited at start:\n${this.#output}`);
      }
      try {
        if ((await command(this.port, ['PING'], this.#password)) === 'PONG') return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        throw new Error(`redis-server on port ${this.port} did not answer PING:\n${this.#output}`);
      }
      await sleep(25);
    }
  }

  /** Stops the process by pid and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, signal);
    await exited;
    this.#child = undefined;
  }

  /** Stops the process and removes its temp dir. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}
