import { groupBySlot } from './batch-commands.js';
import type { RedisClient, RedisTopology } from './create-redis-client.js';
import { ownBytes } from './get-coalescer.js';

/** A value and its remaining time to live, read together in one round trip. */
export interface ValueWithTtl {
  /** The bytes (the caller's own: they never alias another caller's or the store's). */
  value: Uint8Array;
  /**
   * Remaining time to live in ms on the server's clock at the moment of the
   * read (at least 1), or `Infinity` when the key has no expiry.
   */
  ttlMs: number;
}

/**
 * For each KEYS[i], returns its value (nil when missing or not a string, as
 * `MGET` reads it) and its `PTTL`, as one flat array `v1, t1, v2, t2, …`.
 * A script runs atomically, so each value and its TTL belong to the same
 * version of the key: no write can land between the two reads.
 */
export const GET_WITH_TTL_SCRIPT = `local out = {}
for i = 1, #KEYS do
  local value = redis.pcall('GET', KEYS[i])
  if type(value) ~= 'string' then value = false end
  out[2 * i - 1] = value
  out[2 * i] = redis.call('PTTL', KEYS[i])
end
return out`;

/** One key's reply: its value (`null` for a miss) and its `PTTL`. */
export type TtlReply = readonly [value: Buffer | null, pttl: number];

type FlatReply = (Buffer | number | null)[];

/** {@link GET_WITH_TTL_SCRIPT} as ioredis custom commands (EVALSHA, with EVAL on `NOSCRIPT`). */
interface GetWithTtlCommands {
  /** One key (declared, so a Cluster routes the call by that key). */
  cachestackGetOneWithTtlBuffer(redisKey: string): Promise<FlatReply>;
  /** Any number of keys of one slot (the count is passed per call). */
  cachestackGetManyWithTtlBuffer(numberOfKeys: number, ...redisKeys: string[]): Promise<FlatReply>;
}

/** Defines the {@link GET_WITH_TTL_SCRIPT} commands on `client` once. */
function defineGetWithTtl(client: RedisClient): RedisClient & GetWithTtlCommands {
  const commands = client as RedisClient & Partial<GetWithTtlCommands>;
  if (typeof commands.cachestackGetOneWithTtlBuffer !== 'function') {
    client.defineCommand('cachestackGetOneWithTtl', { numberOfKeys: 1, lua: GET_WITH_TTL_SCRIPT });
  }
  if (typeof commands.cachestackGetManyWithTtlBuffer !== 'function') {
    client.defineCommand('cachestackGetManyWithTtl', { lua: GET_WITH_TTL_SCRIPT });
  }
  return client as RedisClient & GetWithTtlCommands;
}

function pairs(flat: FlatReply, count: number): TtlReply[] {
  const replies: TtlReply[] = new Array(count);
  for (let i = 0; i < count; i++) {
    replies[i] = [(flat[2 * i] as Buffer | null) ?? null, Number(flat[2 * i + 1])];
  }
  return replies;
}

/**
 * Reads values with their TTLs atomically, each value paired with the TTL
 * of the same version of its key: one script call for every key on a
 * single server; in a Cluster one call per hash slot (a script may not
 * cross slots), sent together in one write per node (the caller corks the
 * sockets).
 *
 * Why a script and not `MULTI`/`GET`/`PTTL`/`EXEC`: both are atomic and
 * leave in one socket write, but the transaction is four commands, four
 * replies and four promises on the client per key: it costs more than the
 * script's Lua call on the server saves (both are measured side by side by
 * `packages/tiered/bench/l2-hit-redis.bench.mjs`). A `GET` and a `PTTL`
 * merely pipelined are not atomic (another client's write can land between
 * them when they reach the server in different reads): an old value paired
 * with a newer, longer TTL (or none) would let a backfilled copy outlive it.
 */
export class TtlReader {
  readonly #client: RedisClient & GetWithTtlCommands;
  readonly #cluster: boolean;

  constructor(client: RedisClient, topology: RedisTopology) {
    this.#client = defineGetWithTtl(client);
    this.#cluster = topology === 'cluster';
  }

  /** The value and `PTTL` of one key. */
  async fetchOne(redisKey: string): Promise<TtlReply> {
    const flat = await this.#client.cachestackGetOneWithTtlBuffer(redisKey);
    return [(flat[0] as Buffer | null) ?? null, Number(flat[1])];
  }

  /** The values and `PTTL`s of `redisKeys`, in order. */
  async fetchMany(redisKeys: readonly string[]): Promise<TtlReply[]> {
    if (!this.#cluster) return this.#fetchGroup(redisKeys);
    const replies: TtlReply[] = new Array(redisKeys.length);
    await Promise.all(
      groupBySlot(redisKeys).map(async (group) => {
        const found = await this.#fetchGroup(group.map((index) => redisKeys[index] as string));
        found.forEach((reply, offset) => {
          replies[group[offset] as number] = reply;
        });
      }),
    );
    return replies;
  }

  /** One script call for `redisKeys` (all of one slot on a Cluster). */
  async #fetchGroup(redisKeys: readonly string[]): Promise<TtlReply[]> {
    const flat = await this.#client.cachestackGetManyWithTtlBuffer(redisKeys.length, ...redisKeys);
    return pairs(flat, redisKeys.length);
  }
}

/**
 * One key's reply as one caller's result: `undefined` for a miss; the first
 * caller may own the reply's bytes, later callers get a copy.
 */
export function handOutValueWithTtl(
  reply: TtlReply | undefined,
  first: boolean,
): ValueWithTtl | undefined {
  if (reply === undefined) return undefined;
  const value = reply[0];
  const pttl = reply[1];
  // -2: the key is missing (a value is never paired with -2: the script is atomic).
  if (value === null || pttl === -2) return undefined;
  return {
    value: first ? ownBytes(value) : Buffer.from(value),
    ttlMs: pttl === -1 ? Number.POSITIVE_INFINITY : Math.max(1, pttl),
  };
}
