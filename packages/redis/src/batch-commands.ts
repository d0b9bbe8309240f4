import type { ChainableCommander, Cluster } from 'ioredis';
import { groupKeysByNode } from './cluster-routing.js';
import type { RedisClient, RedisTopology } from './create-redis-client.js';
import { keySlot } from './key-slot.js';

/** A slot group (indexes into the keys) and the results of the commands added for it. */
export type GroupResults = [group: number[], results: unknown[]];

/** Adds the commands for one slot group (indexes into the keys) to a pipeline. */
export type AddCommands = (pipeline: ChainableCommander, group: number[]) => void;

/**
 * Runs commands over `redisKeys` in pipelines: one pipeline in total on a
 * single server, where `add` gets every index as one group; on a Cluster one
 * pipeline per node, where `add` is called once per slot group (so
 * multi-key commands never cross slots). Resolves the results per group;
 * the first command error rejects.
 */
export async function execBySlot(
  client: RedisClient,
  topology: RedisTopology,
  redisKeys: readonly string[],
  add: AddCommands,
): Promise<GroupResults[]> {
  if (redisKeys.length === 0) return [];
  if (topology !== 'cluster') {
    return runPipeline(client, [redisKeys.map((_, index) => index)], add);
  }
  const cluster = client as Cluster;
  const perNode = await Promise.all(
    groupKeysByNode(cluster, redisKeys).map((groups) => runNodePipeline(cluster, groups, add)),
  );
  return perNode.flat();
}

const SLOT_GROUP_ERROR = /same slots allocation group/;

/**
 * One node's pipeline. If the slot map changed under us (resharding),
 * ioredis refuses the pipeline before sending anything; then each slot
 * group goes in a pipeline of its own.
 */
async function runNodePipeline(
  cluster: Cluster,
  groups: number[][],
  add: AddCommands,
): Promise<GroupResults[]> {
  try {
    return await runPipeline(cluster, groups, add);
  } catch (error) {
    if (groups.length === 1 || !(error instanceof Error && SLOT_GROUP_ERROR.test(error.message))) {
      throw error;
    }
    const perSlot = await Promise.all(groups.map((group) => runPipeline(cluster, [group], add)));
    return perSlot.flat();
  }
}

async function runPipeline(
  client: RedisClient,
  groups: number[][],
  add: AddCommands,
): Promise<GroupResults[]> {
  const pipeline = client.pipeline();
  const counts = groups.map((group) => {
    const before = pipeline.length;
    add(pipeline, group);
    return pipeline.length - before;
  });
  const replies = (await pipeline.exec()) ?? [];
  let offset = 0;
  return groups.map((group, index) => {
    const count = counts[index] as number;
    const results = replies.slice(offset, offset + count).map(([error, result]) => {
      if (error) throw error;
      return result;
    });
    offset += count;
    return [group, results];
  });
}

/**
 * The values of `redisKeys` in order (`null` for a miss): one `MGET` on a
 * single server; in a Cluster one `MGET` per slot, sent as plain commands: the caller corks the node sockets, so
 * each node still gets them in one write, without the cost of an ioredis
 * Cluster pipeline.
 */
export async function fetchValues(
  client: RedisClient,
  topology: RedisTopology,
  redisKeys: string[],
): Promise<(Buffer | null)[]> {
  if (topology !== 'cluster') return client.mgetBuffer(...redisKeys);
  const values: (Buffer | null)[] = new Array(redisKeys.length).fill(null);
  await Promise.all(
    groupBySlot(redisKeys).map(async (group) => {
      const replies = await client.mgetBuffer(...group.map((index) => redisKeys[index] as string));
      replies.forEach((value, offset) => {
        values[group[offset] as number] = value;
      });
    }),
  );
  return values;
}

/** Indexes into `redisKeys`, grouped by hash slot (in order of first appearance). */
export function groupBySlot(redisKeys: readonly string[]): number[][] {
  const slots = new Map<number, number[]>();
  redisKeys.forEach((key, index) => {
    const slot = keySlot(key);
    const group = slots.get(slot);
    if (group === undefined) slots.set(slot, [index]);
    else group.push(index);
  });
  return [...slots.values()];
}
