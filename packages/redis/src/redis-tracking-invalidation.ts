import { randomUUID } from 'node:crypto';
import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
  type Logger,
  logSafely,
  publishInvalidation,
} from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import { reconnectBackoff } from './create-redis-client.js';
import { KeyLayout } from './key-layout.js';
import { ReadTracking } from './read-tracking.js';
import type { RedisBackend } from './redis-backend.js';
import {
  type RedisTrackingInvalidationOptions,
  resolveTrackingOptions,
  type TrackingMode,
} from './redis-tracking-options.js';
import { TrackingConnection, type TrackingEvents } from './tracking-connection.js';

/** The `source` of the `cachestack:invalidation` events this class publishes. */
export const TRACKING_SOURCE = 'redis-tracking';

/** The `CLIENT SETNAME` of tracking connections (visible in `CLIENT LIST`). */
export const TRACKING_CONNECTION_NAME = 'cachestack-tracking';

/**
 * An {@link InvalidationBus} fed by Redis itself (server-assisted client-side
 * caching, `CLIENT TRACKING … BCAST PREFIX cs:<namespace>:d:`): any change
 * to a key of the namespace — a write by any client (cachestack or not), an
 * expiry, an eviction, our own `clear()` — reaches every subscriber as a
 * `keys` message, and `FLUSHDB`/`FLUSHALL` as a `clear` message. Nothing is
 * published: {@link RedisTrackingInvalidation.publish} is a no-op.
 *
 * On any doubt it flushes (`onReconnect`): when a tracking connection closes,
 * and again once tracking is back on (copies read while it was off are not
 * vouched for). Works on a single server, through Sentinel (the tracking
 * connection follows the master; a failover closes it, which flushes) and on
 * a Cluster (one tracking connection per master; a change of masters
 * flushes).
 */
export class RedisTrackingInvalidation implements InvalidationBus {
  readonly #backend: RedisBackend;
  readonly #layout: KeyLayout;
  readonly #namespace: string;
  readonly #origin = `${TRACKING_SOURCE}:${randomUUID()}`;
  readonly #readyTimeoutMs: number;
  readonly #logger: Logger;
  readonly #handlers = new Set<InvalidationHandlers>();
  readonly #connections = new Map<string, TrackingConnection>();
  readonly #mode: TrackingMode;
  #reads: ReadTracking | undefined;
  /** The master (`host:port`) of each Cluster slot at the last topology check. */
  readonly #slotOwners: (string | undefined)[] = [];
  #starting: Promise<void> | undefined;
  #waiters: { resolve: () => void; reject: (error: BackendError) => void }[] = [];
  #closed = false;

  /** @param options - see {@link RedisTrackingInvalidationOptions}; a bad option throws a `TypeError` naming it. */
  constructor(options: RedisTrackingInvalidationOptions) {
    const { backend, namespace, mode, readyTimeoutMs, logger } = resolveTrackingOptions(options);
    this.#backend = backend;
    this.#layout = new KeyLayout(backend.namespace);
    this.#namespace = namespace;
    this.#readyTimeoutMs = readyTimeoutMs;
    this.#mode = mode;
    this.#logger = logger;
  }

  /** `'prefix'` or `'reads'`. */
  get mode(): TrackingMode {
    return this.#mode;
  }

  /**
   * True while tracking is on for every server: on a Cluster, for every
   * master that owns a slot in the client's slot map (false while a slot's
   * owner is down or not tracked yet, as during a failover).
   */
  get tracking(): boolean {
    if (this.#connections.size === 0) return false;
    if (this.#reads !== undefined && !this.#reads.tracking) return false;
    for (const connection of this.#connections.values()) if (!connection.tracking) return false;
    const cluster = this.#cluster();
    return cluster === undefined || this.#ownersTracked(cluster);
  }

  /** Tracking needs no messages: resolves at once (writes are seen by Redis itself). */
  publish(_message: InvalidationMessage): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Opens the tracking connection(s) on the first call and resolves once
   * tracking is on everywhere (or after `readyTimeoutMs`, tracking then
   * keeps being retried). The new subscriber is flushed once tracking is on:
   * what it cached before is not vouched for. Rejects when Redis refuses
   * tracking (an AUTHENTICATION or PERMANENT `BackendError`: a user without
   * `CLIENT` rights, a server older than 6.0).
   */
  async subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    if (this.#closed) throw closedError('subscribe');
    const entry = { onMessage: handlers.onMessage, onReconnect: handlers.onReconnect };
    const vouched = this.tracking;
    this.#handlers.add(entry);
    try {
      await this.#waitForTracking();
    } catch (error) {
      this.#handlers.delete(entry);
      throw error;
    }
    if (vouched) deliver([entry], (handler) => handler.onReconnect());
    return async () => {
      this.#handlers.delete(entry);
    };
  }

  /** Closes the tracking connection(s). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    const cluster = this.#cluster();
    cluster?.off('refresh', this.#onTopologyChange);
    cluster?.off('+node', this.#onTopologyChange);
    cluster?.off('-node', this.#onTopologyChange);
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all([
      this.#reads?.close(),
      ...connections.map((connection) => connection.close()),
    ]);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closedError('subscribe'));
  }

  #cluster(): Cluster | undefined {
    return this.#backend.topology === 'cluster' ? (this.#backend.client as Cluster) : undefined;
  }

  #waitForTracking(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting.then(() => {
      if (this.tracking || this.#closed) return;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((waiter) => waiter !== entry);
          this.#log(
            'warn',
            {},
            'tracking not on yet; copies cached meanwhile are dropped once it is',
          );
          resolve();
        }, this.#readyTimeoutMs);
        timer.unref();
        const entry = {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (error: BackendError) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        this.#waiters.push(entry);
      });
    });
  }

  async #start(): Promise<void> {
    const cluster = this.#cluster();
    if (cluster === undefined) {
      const client = this.#backend.client as Redis;
      if (this.#mode === 'reads') this.#reads = this.#trackReads(client);
      this.#open('server', client.duplicate(this.#connectionOptions()));
      return;
    }
    // The backend connects a lazy Cluster on its first command; a health check is one.
    if (cluster.status !== 'ready') await this.#backend.healthCheck();
    cluster.on('refresh', this.#onTopologyChange);
    cluster.on('+node', this.#onTopologyChange);
    cluster.on('-node', this.#onTopologyChange);
    this.#syncMasters();
  }

  #connectionOptions() {
    return {
      autoResubscribe: false,
      lazyConnect: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
      retryStrategy: reconnectBackoff(1000),
      connectionName: TRACKING_CONNECTION_NAME,
    };
  }

  /** Opens a tracking connection per master not tracked yet; closes those of former masters. */
  #syncMasters(): void {
    const cluster = this.#cluster();
    if (cluster === undefined || this.#closed || cluster.status !== 'ready') return;
    const masters = new Map<string, Redis>();
    for (const node of cluster.nodes('master')) {
      masters.set(`${node.options.host}:${node.options.port}`, node);
    }
    let changed = false;
    for (const [address, connection] of this.#connections) {
      if (masters.has(address)) continue;
      this.#connections.delete(address);
      void connection.close();
      changed = true;
    }
    for (const [address, node] of masters) {
      if (this.#connections.has(address)) continue;
      this.#open(address, node.duplicate(this.#connectionOptions()));
      changed = true;
    }
    const moved = this.#slotsMoved(cluster);
    // On any doubt, flush: a new master, a resharding (keys may have moved
    // while their old or new node was not tracked yet).
    if ((changed || moved) && this.#starting !== undefined) {
      this.#flush(changed ? 'cluster masters changed' : 'cluster slots moved');
    }
  }

  /** True when a slot's master differs from the last call (ioredis refreshes its map periodically). */
  #slotsMoved(cluster: Cluster): boolean {
    const owners = this.#slotOwners;
    let moved = false;
    cluster.slots.forEach((nodes, slot) => {
      const owner = nodes?.[0];
      if (owners[slot] === owner) return;
      if (owners[slot] !== undefined) moved = true;
      owners[slot] = owner;
    });
    return moved;
  }

  /** True when every slot owner of the client's slot map has a tracking connection that tracks. */
  #ownersTracked(cluster: Cluster): boolean {
    let checked: string | undefined;
    for (const nodes of cluster.slots) {
      const owner = nodes?.[0];
      // Slots come in ranges: check each run of one owner once.
      if (owner === undefined || owner === checked) continue;
      if (this.#connections.get(owner)?.tracking !== true) return false;
      checked = owner;
    }
    return true;
  }

  readonly #onTopologyChange = (): void => {
    this.#syncMasters();
  };

  #open(address: string, redis: Redis): void {
    const events: TrackingEvents = {
      keys: (redisKeys) => this.#onKeys(redisKeys),
      flushed: () => {
        this.#log('info', { server: address }, 'Redis database flushed: dropping local copies');
        publishInvalidation({
          source: TRACKING_SOURCE,
          namespace: this.#namespace,
          kind: 'received',
        });
        this.#deliverMessage({ kind: 'clear' });
      },
      doubt: (reason) => {
        this.#reads?.redirectTo(undefined);
        this.#doubt(address, reason);
      },
      tracking: (id) => {
        // In 'reads' mode copies are vouched for once the read connection redirects here.
        if (this.#reads !== undefined) this.#reads.redirectTo(id);
        else this.#trackingOn(address);
      },
      failed: (error) => this.#failed(address, error),
    };
    const prefix = this.#mode === 'prefix' ? this.#layout.dataPrefix : undefined;
    this.#connections.set(address, new TrackingConnection(redis, prefix, events));
  }

  #trackReads(client: Redis): ReadTracking {
    return new ReadTracking(client, {
      tracking: () => this.#trackingOn('reads'),
      doubt: (reason) => this.#doubt('reads', reason),
      failed: (error) => this.#failed('reads', error),
    });
  }

  #trackingOn(server: string): void {
    this.#log('info', { server }, 'tracking on: dropping copies not vouched for');
    this.#flush('tracking on');
    if (this.tracking) for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  #doubt(server: string, reason: string): void {
    this.#log('warn', { server, reason }, 'tracking lost: dropping local copies');
    this.#flush(reason);
  }

  #failed(server: string, error: BackendError): void {
    this.#log('error', { server, error: error.message }, 'turning tracking on failed');
    if (error.type === BackendErrorType.TRANSIENT || error.type === BackendErrorType.TIMEOUT)
      return;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #onKeys(redisKeys: readonly Buffer[]): void {
    const keys: string[] = [];
    for (const redisKey of redisKeys) {
      const key = this.#layout.userKey(redisKey.toString('utf8'));
      if (key !== undefined && key !== '') keys.push(key);
    }
    if (keys.length === 0) return;
    publishInvalidation({
      source: TRACKING_SOURCE,
      namespace: this.#namespace,
      kind: 'received',
      keyCount: keys.length,
    });
    this.#deliverMessage({ kind: 'keys', keys });
  }

  #deliverMessage(fields: Pick<InvalidationMessage, 'kind' | 'keys'>): void {
    const message: InvalidationMessage = {
      origin: this.#origin,
      namespace: this.#namespace,
      ...fields,
    };
    deliver(this.#handlers, (handler) => handler.onMessage(message));
  }

  #flush(reason: string): void {
    publishInvalidation({
      source: TRACKING_SOURCE,
      namespace: this.#namespace,
      kind: 'flush',
      reason,
    });
    deliver(this.#handlers, (handler) => handler.onReconnect());
  }

  #log(level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void {
    logSafely(
      this.#logger,
      level,
      { source: TRACKING_SOURCE, namespace: this.#namespace, ...fields },
      message,
    );
  }
}

/** Calls `call` for each handler; one handler's failure never stops the others. */
function deliver(
  handlers: Iterable<InvalidationHandlers>,
  call: (handler: InvalidationHandlers) => unknown,
): void {
  for (const handler of [...handlers]) {
    try {
      const work = call(handler);
      if (work instanceof Promise) work.catch(() => undefined);
    } catch {
      // Keep delivering to the others.
    }
  }
}

function closedError(operation: string): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.CLOSED,
    message: 'the Redis tracking invalidation source is closed',
    operation,
  });
}
