import type { Cluster, Redis } from 'ioredis';
import type { RedisClient, RedisTopology } from './create-redis-client.js';

/** Reads `field:value` lines of an `INFO` or `CLUSTER INFO` reply. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/**
 * Probes Redis: `PING` latency, then `INFO server` and `INFO replication`
 * (version, role, replicas), and for a Cluster `CLUSTER INFO` (state, size).
 * Throws when the server does not answer or the Cluster state is not `ok`.
 */
export async function healthProbe(
  client: RedisClient,
  topology: RedisTopology,
): Promise<Record<string, unknown>> {
  const pingStarted = performance.now();
  await client.ping();
  const pingMs = performance.now() - pingStarted;
  const node: Redis | Cluster = client;
  const server = parseInfo(await node.info('server'));
  const replication = parseInfo(await node.info('replication'));
  const details: Record<string, unknown> = {
    topology,
    pingMs,
    redisVersion: server.redis_version,
    mode: server.redis_mode,
    role: replication.role,
    connectedReplicas: Number(replication.connected_slaves ?? 0),
    status: client.status,
  };
  if (topology === 'cluster') {
    const cluster = client as Cluster;
    const info = parseInfo(String(await cluster.cluster('INFO')));
    details.clusterState = info.cluster_state;
    details.clusterKnownNodes = Number(info.cluster_known_nodes ?? 0);
    details.clusterSize = Number(info.cluster_size ?? 0);
    details.masters = cluster.nodes('master').length;
    if (info.cluster_state !== 'ok') {
      throw new Error(`Redis Cluster state is ${info.cluster_state ?? 'unknown'}`);
    }
  }
  return details;
}
