import { type Caller, CallerBatch, DeadlineWatch, newCaller } from './caller-batch.js';
import type { RedisClient } from './create-redis-client.js';
import { keySlot } from './key-slot.js';

/**
 * Sets each KEYS[i] to ARGV[2i-1], with `PX ARGV[2i]` when that is > 0 and
 * no expiry otherwise, in order; returns the number of keys.
 */
export const SET_MANY_SCRIPT = `for i = 1, #KEYS do
  local ttl = tonumber(ARGV[2 * i])
  if ttl > 0 then
    redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'PX', ttl)
  else
    redis.call('SET', KEYS[i], ARGV[2 * i - 1])
  end
end
return #KEYS`;

/** The set script as an ioredis custom command (EVALSHA, with EVAL on `NOSCRIPT`). */
interface SetManyCommand {
  cachestackSetMany(
    numberOfKeys: number,
    ...keysThenValuesAndTtls: (string | Buffer)[]
  ): Promise<number>;
}

/** Defines {@link SET_MANY_SCRIPT} on `client` once (the key count is passed per call). */
export function defineSetManyCommand(client: RedisClient): RedisClient & SetManyCommand {
  const commands = client as RedisClient & Partial<SetManyCommand>;
  if (typeof commands.cachestackSetMany !== 'function') {
    client.defineCommand('cachestackSetMany', { lua: SET_MANY_SCRIPT });
  }
  return client as RedisClient & SetManyCommand;
}

/** What a {@link SetCoalescer} needs besides the client. */
export interface SetCoalescerHooks {
  /** Turns a failure into the error one caller of `key` receives. */
  classify: (error: unknown, key: string) => unknown;
  /** Called once per caller when its set settles (stored, failure or timeout). */
  settled: () => void;
  /**
   * True on a Cluster: the sets are grouped by hash slot first (a multi-key
   * command may not cross slots), each group sent to its node.
   */
  bySlot?: boolean;
  /** Runs before the commands of a flush are sent (the backend corks the sockets). */
  beforeSend?: () => void;
}

interface PendingSet {
  redisKey: string;
  bytes: Buffer;
  /** Whole ms, or 0 for no expiry. */
  ttlMs: number;
  caller: Caller<void>;
}

/** Most entries sent in one `MSET` or script call. */
export const MAX_COALESCED_SETS = 1000;

/**
 * Most value bytes sent in one `MSET` or script call (Redis closes a
 * connection whose query buffer passes `client-query-buffer-limit`, 1 GiB by
 * default); a larger value is sent on its own.
 */
export const MAX_COALESCED_BYTES = 4 * 1024 * 1024;

/**
 * Coalesces the sets issued in the same tick into one command (on a Cluster,
 * one per hash slot, see {@link SetCoalescerHooks.bySlot}), in issue order: `MSET` when none has a TTL, otherwise one script
 * call that runs `SET … [PX]` per entry (a key set twice keeps the later
 * value). A lone set is a plain `SET`. Each caller's promise is settled by
 * the coalescer itself, with its own time limit.
 *
 * Order with other commands is kept by the backend: before it sends any
 * other command (including a batch of coalesced gets) it calls
 * {@link SetCoalescer.flush}, so a set issued earlier always leaves earlier.
 */
export class SetCoalescer {
  readonly #client: RedisClient & SetManyCommand;
  readonly #hooks: SetCoalescerHooks;
  readonly #deadlines = new DeadlineWatch();
  #pending: PendingSet[] = [];
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(client: RedisClient, hooks: SetCoalescerHooks) {
    this.#client = defineSetManyCommand(client);
    this.#hooks = hooks;
  }

  /**
   * Stores `bytes` (which the caller hands over) under `redisKey` with the
   * other sets of this tick; rejects with a TIMEOUT after `timeoutMs` ms.
   * @param ttlMs - whole ms, or `undefined` for no expiry.
   */
  set(
    redisKey: string,
    bytes: Buffer,
    ttlMs: number | undefined,
    key: string,
    timeoutMs: number | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const caller = newCaller<void>(key, timeoutMs, resolve, reject);
      this.#pending.push({ redisKey, bytes, ttlMs: ttlMs ?? 0, caller });
      if (!this.#scheduled) {
        this.#scheduled = true;
        process.nextTick(this.#flush);
      }
    });
  }

  /** Sends every set issued so far, now. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    this.#hooks.beforeSend?.();
    if (pending.length === 1) {
      // A lone set (the sequential case): a plain SET, nothing to split.
      this.#deliver(pending, this.#send(pending));
      return;
    }
    if (!this.#hooks.bySlot) {
      this.#sendInChunks(pending);
      return;
    }
    const slots = new Map<number, PendingSet[]>();
    for (const entry of pending) {
      const slot = keySlot(entry.redisKey);
      const group = slots.get(slot);
      if (group === undefined) slots.set(slot, [entry]);
      else group.push(entry);
    }
    for (const group of slots.values()) this.#sendInChunks(group);
  }

  /** Sends `pending` (one slot's, on a Cluster) in commands of bounded size, in order. */
  #sendInChunks(pending: PendingSet[]): void {
    let chunk: PendingSet[] = [];
    let bytes = 0;
    for (const entry of pending) {
      const full =
        chunk.length === MAX_COALESCED_SETS || bytes + entry.bytes.byteLength > MAX_COALESCED_BYTES;
      if (chunk.length > 0 && full) {
        this.#deliver(chunk, this.#send(chunk));
        chunk = [];
        bytes = 0;
      }
      chunk.push(entry);
      bytes += entry.bytes.byteLength;
    }
    this.#deliver(chunk, this.#send(chunk));
  }

  #send(chunk: PendingSet[]): Promise<unknown> {
    try {
      if (chunk.length === 1) {
        const [only] = chunk as [PendingSet];
        return only.ttlMs === 0
          ? this.#client.set(only.redisKey, only.bytes)
          : this.#client.set(only.redisKey, only.bytes, 'PX', only.ttlMs);
      }
      if (chunk.every((entry) => entry.ttlMs === 0)) {
        const args: (string | Buffer)[] = [];
        for (const entry of chunk) args.push(entry.redisKey, entry.bytes);
        return this.#client.mset(...args);
      }
      const keys: string[] = [];
      const valuesAndTtls: (string | Buffer)[] = [];
      for (const entry of chunk) {
        keys.push(entry.redisKey);
        valuesAndTtls.push(entry.bytes, String(entry.ttlMs));
      }
      return this.#client.cachestackSetMany(chunk.length, ...keys, ...valuesAndTtls);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #deliver(chunk: PendingSet[], sent: Promise<unknown>): void {
    const callers = new CallerBatch(
      chunk.map((entry) => entry.caller),
      'set',
      this.#hooks.settled,
      this.#deadlines,
    );
    sent.then(
      () => {
        callers.stop();
        for (const entry of chunk) if (callers.take(entry.caller)) entry.caller.resolve();
      },
      (error: unknown) => callers.failAll(error, this.#hooks.classify),
    );
  }
}
