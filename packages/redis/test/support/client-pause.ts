import { command } from '@cachestack/test-support';

/** Anything with the loopback port of a running redis-server. */
export interface PausableServer {
  readonly port: number;
}

/**
 * How much longer than the requested delay the servers stay paused. One
 * pause starts when {@link pauseClients} runs, so an operation sent `t` ms
 * later waits only for what is left of it: a pause of twice the delay makes
 * every operation sent within `delayMs` of the start wait at least `delayMs`
 * (the kit's longest slowed case sends three sequential operations, each
 * with a 150 ms limit, within a 700 ms delay).
 */
const PAUSE_PER_DELAY = 2;

/**
 * Slows `servers` down for real, on the server side, as the conformance
 * kit's `slowDown` fault: `CLIENT PAUSE <2 × delayMs> ALL` on every server,
 * in parallel. Each server then holds every command of every normal client
 * (replies stay in order per connection) until the pause lapses, while the
 * Cluster bus keeps running (no failover, the cluster state stays ok).
 * Operations that are not time-limited complete once the pause lapses.
 * Resolves once every server has started its pause.
 */
export async function pauseClients(
  servers: readonly PausableServer[],
  delayMs: number,
): Promise<void> {
  const pauseMs = Math.ceil(delayMs * PAUSE_PER_DELAY);
  await Promise.all(
    servers.map((server) => command(server.port, ['CLIENT', 'PAUSE', pauseMs, 'ALL'])),
  );
}

/**
 * Undoes {@link pauseClients} as the kit's `restoreSpeed` fault: sends
 * `CLIENT UNPAUSE` to every server and resolves once every one answered.
 * While an `ALL` pause lasts, Redis 7.0 holds that command too, so this
 * waits for the pause to lapse; by then the commands held before it (late
 * replies of timed-out operations) have run, and nothing slows later cases.
 */
export async function awaitClientsUnpaused(servers: readonly PausableServer[]): Promise<void> {
  await Promise.all(servers.map((server) => command(server.port, ['CLIENT', 'UNPAUSE'])));
}
