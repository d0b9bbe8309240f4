/** Fetches the values of several Redis keys, in order (`null` for a miss). */
export type FetchMany = (redisKeys: string[]) => Promise<(Buffer | null)[]>;
/** Fetches the value of one Redis key (`null` for a miss). */
export type FetchOne = (redisKey: string) => Promise<Buffer | null>;

interface PendingKey {
  promise: Promise<Buffer | null>;
  resolve: (value: Buffer | null) => void;
  reject: (error: unknown) => void;
}

/** Most keys sent in one `MGET`. */
export const MAX_COALESCED_KEYS = 1000;

/**
 * Coalesces reads issued in the same tick into one round trip: every key
 * asked for before the next `process.nextTick` is fetched with one
 * {@link FetchMany} call (or {@link FetchOne} for a single key). Identical
 * keys are fetched once; each later caller of the same key gets its own copy
 * of the bytes. A failure rejects every caller of the batch (each caller
 * classifies it for its own key); a caller that stops waiting (timeout) does
 * not affect the others.
 */
export class GetCoalescer {
  readonly #fetchMany: FetchMany;
  readonly #fetchOne: FetchOne;
  #pending = new Map<string, PendingKey>();
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(fetchMany: FetchMany, fetchOne: FetchOne) {
    this.#fetchMany = fetchMany;
    this.#fetchOne = fetchOne;
  }

  /** The value of `redisKey`, fetched with the other keys asked for in this tick. */
  get(redisKey: string): Promise<Buffer | null> {
    const pending = this.#pending.get(redisKey);
    if (pending !== undefined) return pending.promise.then(copyOrNull);
    let resolve!: (value: Buffer | null) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<Buffer | null>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#pending.set(redisKey, { promise, resolve, reject });
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
    return promise;
  }

  /** Sends every key asked for so far, now. */
  flush(): void {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    if (batch.size === 1) {
      for (const [key, pending] of batch) {
        settle(() => this.#fetchOne(key)).then(pending.resolve, pending.reject);
      }
      return;
    }
    const keys = [...batch.keys()];
    const waiters = [...batch.values()];
    for (let start = 0; start < keys.length; start += MAX_COALESCED_KEYS) {
      const end = Math.min(keys.length, start + MAX_COALESCED_KEYS);
      settle(() => this.#fetchMany(keys.slice(start, end))).then(
        (values) => {
          for (let i = start; i < end; i++) waiters[i]?.resolve(values[i - start] ?? null);
        },
        (error: unknown) => {
          for (let i = start; i < end; i++) waiters[i]?.reject(error);
        },
      );
    }
  }
}

/** `fetch()`, with a synchronous throw turned into a rejection (so no caller is left waiting). */
function settle<T>(fetch: () => Promise<T>): Promise<T> {
  try {
    return fetch();
  } catch (error) {
    return Promise.reject(error);
  }
}

function copyOrNull(value: Buffer | null): Buffer | null {
  return value === null ? null : Buffer.from(value);
}
