import type { InvalidationBus, InvalidationMessage } from '@cachestack/core';
import type { RedisBackend } from '../../src/index.js';

/**
 * A process-local L1 in front of a RedisBackend, fed by an invalidation
 * source exactly as `@cachestack/tiered` is (which this package cannot
 * depend on: tiered tests with Redis): `keys` deletes, `clear` and
 * `onReconnect` drop everything, and a read that was in flight when any of
 * them arrived does not cache what it read (tiered's write epoch).
 */
export class TrackedL1 {
  readonly copies = new Map<string, Buffer>();
  readonly messages: InvalidationMessage[] = [];
  flushes = 0;
  #generation = 0;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(readonly backend: RedisBackend) {}

  /** Subscribes to `source`; resolves once it is active. */
  async attach(source: InvalidationBus): Promise<void> {
    this.#unsubscribe = await source.subscribe({
      onMessage: (message) => {
        this.messages.push(message);
        this.#generation += 1;
        if (message.kind === 'clear') this.copies.clear();
        else for (const key of message.keys ?? []) this.copies.delete(key);
      },
      onReconnect: () => {
        this.flushes += 1;
        this.#generation += 1;
        this.copies.clear();
      },
    });
  }

  /** Stops receiving messages. */
  async detach(): Promise<void> {
    await this.#unsubscribe?.();
  }

  /** Read-through: the L1 copy, else the backend's value (cached unless invalidated meanwhile). */
  async get(key: string): Promise<string | undefined> {
    const copy = this.copies.get(key);
    if (copy !== undefined) return copy.toString();
    const generation = this.#generation;
    const value = await this.backend.get(key);
    if (value === undefined) return undefined;
    if (generation === this.#generation) this.copies.set(key, Buffer.from(value));
    return Buffer.from(value).toString();
  }
}

/** Polls `condition` every millisecond until it holds; fails after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
  what = 'condition',
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Reads `key` through `l1` until its copy is cached and stays (the
 * invalidation of the write that stored it may drop the first copy), then
 * resolves the value.
 */
export async function cached(l1: TrackedL1, key: string): Promise<string | undefined> {
  let value: string | undefined;
  let stable = 0;
  const deadline = performance.now() + 3000;
  while (stable < 3) {
    if (performance.now() > deadline) throw new Error(`${key} never stayed in L1`);
    value = await l1.get(key);
    stable = l1.copies.has(key) ? stable + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return value;
}
