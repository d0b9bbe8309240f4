import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback in front of a Redis server that can delay every
 * chunk (both directions, order kept): the conformance kit's `slowDown`
 * hook for any backend over a real Redis (one FIFO queue and one timer per
 * direction, so delayed chunks never overtake each other).
 */
export class LatencyProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Delay added to each chunk in each direction, in ms (0: none). */
  delayMs = 0;
  port = 0;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => this.#accept(client, targetPort));
  }

  /** Starts a proxy on a free loopback port in front of 127.0.0.1:`targetPort`. */
  static async start(targetPort: number): Promise<LatencyProxy> {
    const proxy = new LatencyProxy(targetPort);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = proxy.#server.address();
    proxy.port = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  /** `redis://127.0.0.1:<proxy port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Closes the proxy and every connection through it. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => socket.destroy());
    }
    this.#forward(client, upstream);
    this.#forward(upstream, client);
  }

  /**
   * One FIFO queue and one timer per direction: chunks leave in arrival
   * order even when the delay changes (separate timers of different
   * durations that fall due in the same ms may fire out of order, which
   * would reorder Redis commands and pair replies with the wrong calls).
   */
  #forward(from: Socket, to: Socket): void {
    const queue: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drain = (): void => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && (queue[0] as { due: number }).due <= now) {
        const { chunk } = queue.shift() as { chunk: Buffer };
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) schedule();
    };
    const schedule = (): void => {
      const head = queue[0] as { due: number };
      timer = setTimeout(drain, Math.max(0, head.due - performance.now()));
      timer.unref();
    };
    from.on('data', (chunk: Buffer) => {
      if (this.delayMs <= 0 && queue.length === 0) {
        to.write(chunk);
        return;
      }
      queue.push({ due: performance.now() + this.delayMs, chunk });
      if (timer === undefined) schedule();
    });
  }
}
