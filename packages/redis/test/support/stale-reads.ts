import { BackendError } from '@cachestack/core';
import type { TrackedL1 } from './tracked-l1.js';

/** What {@link StaleReadLoop.stop} reports. */
export interface StaleReadSummary {
  reads: number;
  writes: number;
  /** Reads that failed (each a classified `BackendError`, else the loop throws). */
  readErrors: BackendError[];
  writeErrors: number;
  /** Reads started while `tracking` was true that returned a version older than one acknowledged `graceMs` before. */
  stale: { key: string; got: number; expected: number; at: number }[];
  /** The same, for reads started while `tracking` was false (allowed: dropped by the next flush). */
  staleUntracked: number;
}

/** Options of {@link StaleReadLoop}. */
export interface StaleReadLoopOptions {
  l1: TrackedL1;
  /** The invalidation source: `tracking` is sampled at the start of each read. */
  source: { readonly tracking: boolean };
  /** Writes `value` to the Redis key of user key `key` (a plain, non-cachestack client). */
  write: (key: string, value: string) => Promise<unknown>;
  keys: readonly string[];
  /** Time in ms an acknowledged write's invalidation may take to reach L1. @default 50 */
  graceMs?: number;
  /** Reader loops per key. @default 2 */
  readers?: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Per key, a writer loop (increasing versions, by a plain client) and reader
 * loops (through `l1`) running concurrently, so a key whose server is down
 * does not hold up the others; each read is checked against the versions
 * acknowledged before it started.
 */
export class StaleReadLoop {
  readonly #options: Required<StaleReadLoopOptions>;
  /** Per key: acknowledged versions with their ack time (`performance.now()`), ascending. */
  readonly #acked = new Map<string, { version: number; at: number }[]>();
  readonly #next = new Map<string, number>();
  readonly #summary: StaleReadSummary = {
    reads: 0,
    writes: 0,
    readErrors: [],
    writeErrors: 0,
    stale: [],
    staleUntracked: 0,
  };
  #running = true;
  #writable: readonly string[];
  #held = false;
  readonly #writing = new Set<Promise<unknown>>();
  readonly #loops: Promise<void>[] = [];

  constructor(options: StaleReadLoopOptions) {
    this.#options = { graceMs: 50, readers: 2, ...options };
    this.#writable = options.keys;
  }

  /**
   * From now on writes only `keys`: the others keep their last value, so a
   * copy of theirs that missed an invalidation stays stale and is caught.
   */
  writeOnly(keys: readonly string[]): void {
    this.#writable = keys;
  }

  /** Reads so far. */
  get reads(): number {
    return this.#summary.reads;
  }

  /** Writes acknowledged so far. */
  get writes(): number {
    return this.#summary.writes;
  }

  /** Writes version 1 of every key, then starts a writer and `readers` reader loops per key. */
  async start(): Promise<void> {
    for (const key of this.#options.keys) await this.#write(key);
    for (const key of this.#options.keys) {
      this.#loops.push(this.#writer(key));
      for (let i = 0; i < this.#options.readers; i++) this.#loops.push(this.#reader(key));
    }
  }

  /** Pauses the writers and waits for their writes in flight. */
  async hold(): Promise<void> {
    this.#held = true;
    await Promise.all(this.#writing);
  }

  /** Resumes the writers. */
  resume(): void {
    this.#held = false;
  }

  /** Stops every loop and reports. */
  async stop(): Promise<StaleReadSummary> {
    this.#running = false;
    await Promise.all(this.#loops);
    return this.#summary;
  }

  async #write(key: string): Promise<void> {
    const version = (this.#next.get(key) ?? 0) + 1;
    this.#next.set(key, version);
    await this.#options.write(key, String(version));
    const history = this.#acked.get(key) ?? [];
    history.push({ version, at: performance.now() });
    this.#acked.set(key, history);
    this.#summary.writes += 1;
  }

  async #writer(key: string): Promise<void> {
    while (this.#running) {
      if (this.#held || !this.#writable.includes(key)) {
        await pause(1);
        continue;
      }
      const writing = this.#write(key).catch(() => {
        this.#summary.writeErrors += 1;
        return pause(5);
      });
      this.#writing.add(writing);
      await writing;
      this.#writing.delete(writing);
      await pause(1);
    }
  }

  async #reader(key: string): Promise<void> {
    const { l1, source, graceMs } = this.#options;
    while (this.#running) {
      const startedAt = performance.now();
      const tracked = source.tracking;
      let value: string | undefined;
      try {
        value = await l1.get(key);
      } catch (error) {
        if (!(error instanceof BackendError)) throw error;
        this.#summary.readErrors.push(error);
        await pause(5);
        continue;
      }
      this.#summary.reads += 1;
      let expected = 0;
      for (const { version, at } of this.#acked.get(key) ?? []) {
        if (at + graceMs <= startedAt) expected = version;
      }
      const got = Number(value ?? 0);
      if (got < expected) {
        if (tracked) this.#summary.stale.push({ key, got, expected, at: startedAt });
        else this.#summary.staleUntracked += 1;
      }
      await pause(1);
    }
  }
}
