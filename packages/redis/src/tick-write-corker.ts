import type { Redis } from 'ioredis';

/**
 * Holds a single-server connection's writes until the end of the current
 * tick, so every command issued in the same tick leaves in one socket write
 * (one `writev`) — what ioredis auto-pipelining achieves, without its
 * `setImmediate` hop that adds a full event-loop turn to every sequential
 * call. Only corks a connection that is ready; commands queued while
 * connecting are untouched.
 */
export class TickWriteCorker {
  readonly #client: Redis;
  #corked: Redis['stream'] | undefined;
  readonly #uncork = (): void => {
    const stream = this.#corked;
    this.#corked = undefined;
    stream?.uncork();
  };

  constructor(client: Redis) {
    this.#client = client;
  }

  /** Corks the connection's socket until the next `process.nextTick`, once per tick. */
  cork(): void {
    if (this.#corked !== undefined || this.#client.status !== 'ready') return;
    const stream = this.#client.stream;
    if (stream === undefined || stream === null || stream.destroyed) return;
    stream.cork();
    this.#corked = stream;
    process.nextTick(this.#uncork);
  }
}
