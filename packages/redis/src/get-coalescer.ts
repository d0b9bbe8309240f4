import { type Caller, CallerBatch, newCaller } from './caller-batch.js';

/** Fetches the values of several Redis keys, in order (`null` for a miss). */
export type FetchMany = (redisKeys: string[]) => Promise<(Buffer | null)[]>;
/** Fetches the value of one Redis key (`null` for a miss). */
export type FetchOne = (redisKey: string) => Promise<Buffer | null>;

/** What a {@link GetCoalescer} needs besides the fetches. */
export interface GetCoalescerHooks {
  /** Fetches several keys in one round trip (`MGET`, or one per slot in a Cluster). */
  fetchMany: FetchMany;
  /** Fetches one key (`GET`). */
  fetchOne: FetchOne;
  /** Turns a fetch failure into the error one caller of `key` receives. */
  classify: (error: unknown, key: string) => unknown;
  /** Called once per caller when its get settles (value, miss, failure or timeout). */
  settled: () => void;
  /** Runs before each batch is sent (the backend sends its pending sets first). */
  beforeFetch?: () => void;
}

/** Most keys sent in one `MGET`. */
export const MAX_COALESCED_KEYS = 1000;

/**
 * Coalesces reads issued in the same tick into one round trip: every key
 * asked for before the next `process.nextTick` is fetched with one
 * {@link FetchMany} call (or {@link FetchOne} for a single key). Identical
 * keys are fetched once. Each caller gets bytes of its own: the first caller
 * of a key gets the reply's bytes (copied only when they are a slice of a
 * larger socket chunk), later callers a copy.
 *
 * The coalescer settles each caller's promise itself — value, classified
 * failure, or a TIMEOUT once the caller's own limit passes (one timer per
 * batch, not per caller) — so a coalesced get costs one promise. A caller
 * that times out does not affect the others.
 */
export class GetCoalescer {
  readonly #hooks: GetCoalescerHooks;
  #pending = new Map<string, Caller<Buffer | undefined>[]>();
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(hooks: GetCoalescerHooks) {
    this.#hooks = hooks;
  }

  /**
   * The value of `redisKey` (the caller's `key`), fetched with the other keys
   * asked for in this tick; rejects with a TIMEOUT error after `timeoutMs`
   * ms when given.
   */
  get(redisKey: string, key: string, timeoutMs: number | undefined): Promise<Buffer | undefined> {
    return new Promise<Buffer | undefined>((resolve, reject) => {
      const waiter = newCaller(key, timeoutMs, resolve, reject);
      const waiters = this.#pending.get(redisKey);
      if (waiters === undefined) this.#pending.set(redisKey, [waiter]);
      else waiters.push(waiter);
      if (!this.#scheduled) {
        this.#scheduled = true;
        process.nextTick(this.#flush);
      }
    });
  }

  /** Sends every key asked for so far, now. */
  flush(): void {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#hooks.beforeFetch?.();
    if (batch.size === 1) {
      for (const [redisKey, waiters] of batch) {
        this.#deliver(
          settle(() => this.#hooks.fetchOne(redisKey)),
          [waiters],
          (value) => [value],
        );
      }
      return;
    }
    const redisKeys = [...batch.keys()];
    const groups = [...batch.values()];
    for (let start = 0; start < redisKeys.length; start += MAX_COALESCED_KEYS) {
      const end = Math.min(redisKeys.length, start + MAX_COALESCED_KEYS);
      this.#deliver(
        settle(() => this.#hooks.fetchMany(redisKeys.slice(start, end))),
        groups.slice(start, end),
        (values) => values,
      );
    }
  }

  /** Settles every waiter of `groups` (one group per key) from one fetch. */
  #deliver<R>(
    fetch: Promise<R>,
    groups: Caller<Buffer | undefined>[][],
    values: (reply: R) => readonly (Buffer | null | undefined)[],
  ): void {
    const callers = new CallerBatch(groups.flat(), 'get', this.#hooks.settled);
    fetch.then(
      (reply) => {
        callers.stop();
        const replies = values(reply);
        for (let i = 0; i < groups.length; i++) {
          const value = replies[i] ?? null;
          let first = true;
          for (const waiter of groups[i] as Caller<Buffer | undefined>[]) {
            if (!callers.take(waiter)) continue;
            if (value === null) waiter.resolve(undefined);
            else waiter.resolve(first ? ownBytes(value) : Buffer.from(value));
            first = false;
          }
        }
      },
      (error: unknown) => callers.failAll(error, this.#hooks.classify),
    );
  }
}

/** A reply's bytes as the caller's own: copied only when they are a slice of a larger socket chunk. */
export function ownBytes(value: Buffer): Buffer {
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength
    ? value
    : Buffer.from(value);
}

/** `fetch()`, with a synchronous throw turned into a rejection (so no caller is left waiting). */
function settle<T>(fetch: () => Promise<T>): Promise<T> {
  try {
    return fetch();
  } catch (error) {
    return Promise.reject(error);
  }
}
