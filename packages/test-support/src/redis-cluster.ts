import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { command, RedisServer, requireBinary, sleep } from './redis-server.js';

const run = promisify(execFile);

/** Options for {@link RedisCluster.start} beyond the number of masters. */
export interface RedisClusterOptions {
  /**
   * Replicas to start per master (`CLUSTER REPLICATE`): 0 or 1. With 1, a
   * master that fails (SIGKILL by pid) or a `CLUSTER FAILOVER` sent to its
   * replica promotes the replica.
   * @default 0
   */
  replicasPerMaster?: 0 | 1;
  /**
   * `cluster-node-timeout` of every node, in ms: how long a master must be
   * unreachable before the others mark it failed and its replica takes over.
   * @default 5000
   */
  nodeTimeoutMs?: number;
}

/** Deadline for the cluster to settle (state ok, replicas attached and in sync), in ms. */
const SETTLE_TIMEOUT_MS = 30_000;

/**
 * A local Redis Cluster on loopback: 3 masters by default, no replicas
 * unless {@link RedisClusterOptions.replicasPerMaster} asks for one each.
 * Every node is a {@link RedisServer} (free port, own temp dir, stopped by pid).
 */
export class RedisCluster {
  /**
   * Every node: the masters first (in the order `redis-cli --cluster create`
   * got them), then their replicas (`servers[masters + i]` replicates
   * `servers[i]` at start). Roles change at a failover: ask {@link RedisCluster.masters}.
   */
  readonly servers: RedisServer[];
  /** The replicas started by {@link RedisClusterOptions.replicasPerMaster} (empty by default). */
  readonly replicas: RedisServer[];

  private constructor(servers: RedisServer[], replicas: RedisServer[]) {
    this.servers = [...servers, ...replicas];
    this.replicas = replicas;
  }

  /**
   * Starts `masters` Cluster-enabled servers, joins them with `redis-cli
   * --cluster create`, attaches the replicas if asked for, and waits for
   * `cluster_state:ok` (and replicas in sync). A missing `redis-server` or
   * `redis-cli` throws an error with the install hint.
   */
  static async start(masters = 3, options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const cli = requireBinary('redis-cli');
    const replicasPerMaster = options.replicasPerMaster ?? 0;
    if (replicasPerMaster !== 0 && replicasPerMaster !== 1) {
      throw new TypeError('RedisCluster.start: option `replicasPerMaster` must be 0 or 1');
    }
    const nodeTimeoutMs = options.nodeTimeoutMs;
    if (nodeTimeoutMs !== undefined && !(Number.isInteger(nodeTimeoutMs) && nodeTimeoutMs > 0)) {
      throw new TypeError('RedisCluster.start: option `nodeTimeoutMs` must be a positive integer');
    }
    const nodeOptions = {
      cluster: true,
      ...(nodeTimeoutMs === undefined
        ? {}
        : { args: ['--cluster-node-timeout', String(nodeTimeoutMs)] }),
    };
    const servers: RedisServer[] = [];
    const replicas: RedisServer[] = [];
    try {
      for (let i = 0; i < masters; i++) servers.push(await RedisServer.start(nodeOptions));
      await run(cli, [
        '--cluster',
        'create',
        ...servers.map((server) => `127.0.0.1:${server.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      const cluster = new RedisCluster(servers, replicas);
      await cluster.#waitForOk();
      if (replicasPerMaster === 0) return cluster;
      for (let i = 0; i < masters; i++) replicas.push(await RedisServer.start(nodeOptions));
      const withReplicas = new RedisCluster(servers, replicas);
      await withReplicas.#attachReplicas();
      await withReplicas.#waitForOk();
      return withReplicas;
    } catch (error) {
      await Promise.all([...servers, ...replicas].map((server) => server.destroy()));
      throw error;
    }
  }

  /** Seed nodes for ioredis. */
  get nodes(): { host: string; port: number }[] {
    return this.servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
  }

  /** The running nodes whose `ROLE` is master now, in {@link RedisCluster.servers} order. */
  async masters(): Promise<RedisServer[]> {
    const roles = await Promise.all(
      this.servers.map(async (server) =>
        server.pid === undefined
          ? undefined
          : ((await command(server.port, ['ROLE'])) as unknown[]),
      ),
    );
    return this.servers.filter((_, index) => roles[index]?.[0] === 'master');
  }

  /** The running node that replicates `master` now (by `ROLE`), if any. */
  async replicaOf(master: RedisServer): Promise<RedisServer | undefined> {
    for (const server of this.servers) {
      if (server === master || server.pid === undefined) continue;
      const role = (await command(server.port, ['ROLE'])) as unknown[];
      if (role[0] === 'slave' && Number(role[2]) === master.port) return server;
    }
    return undefined;
  }

  /**
   * Waits until `server` is a master with slots, every running node sees
   * `cluster_state:ok`, and every running replica is in sync with its master
   * (for instance after a failover or a restart).
   */
  async waitForMaster(server: RedisServer, timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const role = (await command(server.port, ['ROLE']).catch(() => [])) as unknown[];
      const slots = (await command(server.port, ['CLUSTER', 'SLOTS']).catch(() => [])) as [
        number,
        number,
        [string, number],
      ][];
      const owns = slots.some((range) => Number(range[2]?.[1]) === server.port);
      if (role[0] === 'master' && owns && (await this.#settled())) return;
      if (Date.now() > deadline) {
        throw new Error(`port ${server.port} did not become a settled master in ${timeoutMs} ms`);
      }
      await sleep(100);
    }
  }

  /** Stops every node (SIGKILL); their cluster config stays in their dirs. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop('SIGKILL')));
  }

  /** Restarts every node on its port and waits until the cluster state is ok again. */
  async restart(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.restart()));
    await this.#waitForOk();
  }

  /** `CLUSTER MEET` each replica with its master, then `CLUSTER REPLICATE` it. */
  async #attachReplicas(): Promise<void> {
    const masters = this.servers.slice(0, this.replicas.length);
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (const [index, replica] of this.replicas.entries()) {
      const master = masters[index] as RedisServer;
      const masterId = String(await command(master.port, ['CLUSTER', 'MYID']));
      await command(replica.port, ['CLUSTER', 'MEET', '127.0.0.1', master.port]);
      // REPLICATE needs the master known (handshake done) to the replica.
      for (;;) {
        const known = String(await command(replica.port, ['CLUSTER', 'NODES']));
        const line = known.split('\n').find((entry) => entry.startsWith(`${masterId} `));
        if (line !== undefined && !line.includes('handshake')) break;
        if (Date.now() > deadline) throw new Error(`replica ${replica.port} never met ${masterId}`);
        await sleep(50);
      }
      await command(replica.port, ['CLUSTER', 'REPLICATE', masterId]);
    }
    while (!(await this.#settled())) {
      if (Date.now() > deadline) throw new Error('the cluster replicas did not settle');
      await sleep(100);
    }
  }

  /** True when every running node knows every node, none failed, and every replica is in sync. */
  async #settled(): Promise<boolean> {
    const running = this.servers.filter((server) => server.pid !== undefined);
    for (const server of running) {
      const nodes = String(await command(server.port, ['CLUSTER', 'NODES']).catch(() => ''));
      const lines = nodes.split('\n').filter((line) => line.trim() !== '');
      if (lines.length < running.length) return false;
      const live = lines.filter((line) => !/fail|handshake|noaddr/.test(line.split(' ')[2] ?? ''));
      if (live.length < running.length) return false;
      const info = String(await command(server.port, ['CLUSTER', 'INFO']).catch(() => ''));
      if (!info.includes('cluster_state:ok')) return false;
      const replication = String(await command(server.port, ['INFO', 'replication']));
      if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) {
        return false;
      }
    }
    return true;
  }

  async #waitForOk(): Promise<void> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (const server of this.servers) {
      for (;;) {
        const info = String(await command(server.port, ['CLUSTER', 'INFO']));
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster did not reach state ok:\n${info}`);
        await sleep(100);
      }
    }
  }

  /** Stops every node and removes their temp dirs. */
  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.destroy()));
  }
}
