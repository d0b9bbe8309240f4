import type { Cluster, Redis } from 'ioredis';
import { isCluster, type RedisClient } from './create-redis-client.js';

type Stream = NonNullable<Redis['stream']>;

/**
 * Holds a client's socket writes until the end of the current tick, so every
 * command issued in the same tick leaves in one socket write per connection
 * (one `writev`) — what ioredis auto-pipelining achieves, without its
 * `setImmediate` hop that adds a full event-loop turn to every sequential
 * call. On a single server that is the one connection; on a Cluster, every
 * node connection that is ready (commands are routed to them inside
 * ioredis). Commands queued while connecting are untouched.
 */
export class TickWriteCorker {
  readonly #client: RedisClient;
  readonly #cluster: boolean;
  #corked: Stream[] | undefined;
  readonly #uncork = (): void => {
    const streams = this.#corked;
    this.#corked = undefined;
    if (streams !== undefined) for (const stream of streams) stream.uncork();
  };

  constructor(client: RedisClient) {
    this.#client = client;
    this.#cluster = isCluster(client);
  }

  /** Corks the connection sockets until the next `process.nextTick`, once per tick. */
  cork(): void {
    if (this.#corked !== undefined || this.#client.status !== 'ready') return;
    const corked: Stream[] = [];
    if (this.#cluster) {
      for (const node of (this.#client as Cluster).nodes('all')) {
        corkConnection(node, corked);
      }
    } else {
      corkConnection(this.#client as Redis, corked);
    }
    if (corked.length === 0) return;
    this.#corked = corked;
    process.nextTick(this.#uncork);
  }
}

function corkConnection(connection: Redis, corked: Stream[]): void {
  if (connection.status !== 'ready') return;
  const stream = connection.stream;
  if (stream === undefined || stream === null || stream.destroyed) return;
  stream.cork();
  corked.push(stream);
}
