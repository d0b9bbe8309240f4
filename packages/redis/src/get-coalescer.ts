import { type Caller, CallerBatch, DeadlineWatch, newCaller } from './caller-batch.js';

/** What a {@link GetCoalescer} needs besides the fetches. */
export interface GetCoalescerHooks<R, T> {
  /** Fetches several keys in one round trip (`MGET`, one per slot in a Cluster, or one script call). */
  fetchMany: (redisKeys: string[]) => Promise<R[]>;
  /** Fetches one key (`GET`, or one script call). */
  fetchOne: (redisKey: string) => Promise<R>;
  /**
   * What one caller of a key receives from the key's reply: `first` is true
   * for the key's first caller, which may take the reply's bytes; every
   * later caller needs a copy of its own.
   */
  handOut: (reply: R | undefined, first: boolean) => T;
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
 * `fetchMany` call (or `fetchOne` for a single key). Identical
 * keys are fetched once. Each caller gets bytes of its own (`handOut`):
 * the first caller of a key may take the reply's bytes, later callers a copy.
 *
 * The coalescer settles each caller's promise itself — value, classified
 * failure, or a TIMEOUT once the caller's own limit passes (one timer per
 * coalescer, see {@link DeadlineWatch}) — so a coalesced get costs one promise. A caller
 * that times out does not affect the others.
 *
 * `R` is one key's reply (a value for `GET`/`MGET`, a value and its TTL for
 * the TTL read); `T` is what each caller resolves with.
 */
export class GetCoalescer<R, T> {
  readonly #hooks: GetCoalescerHooks<R, T>;
  readonly #deadlines = new DeadlineWatch();
  #pending = new Map<string, Caller<T>[]>();
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(hooks: GetCoalescerHooks<R, T>) {
    this.#hooks = hooks;
  }

  /**
   * The value of `redisKey` (the caller's `key`), fetched with the other keys
   * asked for in this tick; rejects with a TIMEOUT error after `timeoutMs`
   * ms when given.
   */
  get(redisKey: string, key: string, timeoutMs: number | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
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
    const batch = this.#pending;
    if (batch.size === 0) return;
    this.#pending = new Map();
    this.#hooks.beforeFetch?.();
    if (batch.size === 1) {
      // A lone key (the sequential case): no arrays of groups.
      for (const [redisKey, waiters] of batch) this.#deliverOne(redisKey, waiters);
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

  /** Settles the `waiters` of a lone key from one `fetchOne`. */
  #deliverOne(redisKey: string, waiters: Caller<T>[]): void {
    const hooks = this.#hooks;
    const callers = new CallerBatch(waiters, 'get', hooks.settled, this.#deadlines);
    let fetch: Promise<R>;
    try {
      fetch = hooks.fetchOne(redisKey);
    } catch (error) {
      fetch = Promise.reject(error);
    }
    fetch.then(
      (reply) => {
        callers.stop();
        let first = true;
        for (const waiter of waiters) {
          if (!callers.take(waiter)) continue;
          waiter.resolve(hooks.handOut(reply, first));
          first = false;
        }
      },
      (error: unknown) => callers.failAll(error, hooks.classify),
    );
  }

  /** Settles every waiter of `groups` (one group per key) from one fetch. */
  #deliver<F>(
    fetch: Promise<F>,
    groups: Caller<T>[][],
    values: (reply: F) => readonly (R | undefined)[],
  ): void {
    const callers = new CallerBatch(groups.flat(), 'get', this.#hooks.settled, this.#deadlines);
    const handOut = this.#hooks.handOut;
    fetch.then(
      (reply) => {
        callers.stop();
        const replies = values(reply);
        for (let i = 0; i < groups.length; i++) {
          const value = replies[i];
          let first = true;
          for (const waiter of groups[i] as Caller<T>[]) {
            if (!callers.take(waiter)) continue;
            waiter.resolve(handOut(value, first));
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

/** A `GET`/`MGET` reply as one caller's value: the first caller may own the bytes, later ones copy. */
export function handOutValue(reply: Buffer | null | undefined, first: boolean): Buffer | undefined {
  if (reply === null || reply === undefined) return undefined;
  return first ? ownBytes(reply) : Buffer.from(reply);
}

/** `fetch()`, with a synchronous throw turned into a rejection (so no caller is left waiting). */
function settle<T>(fetch: () => Promise<T>): Promise<T> {
  try {
    return fetch();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The results of a batch read for `keys` (in order, duplicates allowed),
 * given the replies for their distinct `unique` keys: a repeated key's
 * later callers get copies of their own (`handOut(reply, false)`).
 */
export function handOutMany<R, T>(
  keys: readonly string[],
  unique: readonly string[],
  replies: readonly R[],
  handOut: (reply: R | undefined, first: boolean) => T,
): T[] {
  const byKey = new Map<string, R | undefined>();
  unique.forEach((key, index) => {
    byKey.set(key, replies[index]);
  });
  const handedOut = new Set<string>();
  return keys.map((key) => {
    const first = !handedOut.has(key);
    handedOut.add(key);
    return handOut(byKey.get(key), first);
  });
}
