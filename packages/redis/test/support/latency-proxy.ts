import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback that forwards to a Redis server and can add
 * latency to every chunk in both directions (like Toxiproxy's latency
 * toxic), for timeout tests. Order is preserved. When the upstream server
 * is unreachable, client connections are closed.
 */
export class LatencyProxy {
  readonly #server: Server;
  readonly #targetPort: number;
  readonly #sockets = new Set<Socket>();
  #delayMs = 0;
  port = 0;

  private constructor(targetPort: number) {
    this.#targetPort = targetPort;
    this.#server = createServer((client) => this.#accept(client));
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

  /** Delay added to each chunk in each direction, in ms (0: none). */
  set delayMs(ms: number) {
    this.#delayMs = ms;
  }

  get delayMs(): number {
    return this.#delayMs;
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

  #accept(client: Socket): void {
    const upstream = connect(this.#targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    this.#forward(client, upstream);
    this.#forward(upstream, client);
  }

  #forward(from: Socket, to: Socket): void {
    let lastDue = 0;
    from.on('data', (chunk) => {
      const delay = this.#delayMs;
      if (delay <= 0 && lastDue <= performance.now()) {
        to.write(chunk);
        return;
      }
      const due = Math.max(performance.now() + delay, lastDue);
      lastDue = due;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, due - performance.now());
    });
  }
}
