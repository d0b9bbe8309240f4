import {
  type BackendError,
  BackendErrorType,
  raceWithTimeout,
  toBackendError,
} from '@cachestack/core';
import type { Redis } from 'ioredis';
import { classifyRedisError } from './classify-redis-error.js';

/** The pub/sub channel Redis sends RESP2 tracking invalidations on. */
export const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** Longest wait for the replies that turn tracking on, in ms; then the connection starts over. */
const ENABLE_TIMEOUT_MS = 5000;

/** What a {@link TrackingConnection} reports. */
export interface TrackingEvents {
  /** Redis invalidated these keys (a write by any client, an expiry, an eviction). */
  keys(redisKeys: readonly Buffer[]): void;
  /** Redis invalidated everything (`FLUSHDB`/`FLUSHALL`: a `null` invalidation). */
  flushed(): void;
  /**
   * Invalidations may be missed from now on (the connection closed) or may
   * have been missed (an unexpected message): drop every local copy.
   */
  doubt(reason: string): void;
  /**
   * Tracking is (again) on and subscribed: copies read from now on are
   * vouched for. `id` is this connection's `CLIENT ID` (the `REDIRECT`
   * target for connections whose reads are tracked).
   */
  tracking(id: string): void;
  /** Turning tracking on failed (and will be retried at the next reconnect, if the error is transient). */
  failed(error: BackendError): void;
}

/**
 * One connection to one Redis server that receives RESP2 tracking
 * invalidations. On every `ready` it sends `CLIENT ID`, then (with a
 * `prefix`: broadcasting mode) `CLIENT TRACKING on REDIRECT <own id> BCAST
 * PREFIX <prefix>`, and `SUBSCRIBE __redis__:invalidate`, so Redis pushes the
 * names of the keys under `prefix` that any client changes (and those that
 * expire or are evicted) to this very connection. Without a prefix it only
 * subscribes: other connections redirect their own tracking to it. In RESP2 an invalidation sent before
 * the `SUBSCRIBE` is dropped by the server, so {@link TrackingEvents.tracking}
 * fires only once both replied; the owner flushes then. A closed connection
 * is a {@link TrackingEvents.doubt}: ioredis reconnects it and tracking is
 * turned on again.
 */
export class TrackingConnection {
  readonly #redis: Redis;
  readonly #prefix: string | undefined;
  readonly #events: TrackingEvents;
  #tracking = false;
  #closed = false;

  /**
   * @param redis - a connection of its own (not shared with commands), created
   *   with `autoResubscribe: false`; this class owns and closes it.
   * @param prefix - the key prefix to track (the namespace's data prefix), or
   *   `undefined` to only receive what other connections redirect here.
   */
  constructor(redis: Redis, prefix: string | undefined, events: TrackingEvents) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#events = events;
    redis.on('ready', this.#onReady);
    redis.on('close', this.#onClose);
    redis.on('messageBuffer', this.#onMessage);
    redis.on('error', noop); // reported through `close` / `failed`
    if (redis.status === 'ready') this.#onReady();
    else if (redis.status === 'wait') redis.connect().catch(noop);
  }

  /** True while tracking is on and subscribed. */
  get tracking(): boolean {
    return this.#tracking;
  }

  /** The ioredis connection (for tests and health details). */
  get redis(): Redis {
    return this.#redis;
  }

  /** Closes the connection. Idempotent; reports nothing more. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#tracking = false;
    const redis = this.#redis;
    redis.off('ready', this.#onReady);
    redis.off('close', this.#onClose);
    redis.off('messageBuffer', this.#onMessage);
    redis.disconnect();
  }

  readonly #onReady = (): void => {
    if (this.#closed) return;
    this.#enable().catch((error: unknown) => {
      if (this.#closed) return;
      const classified = toBackendError(error, 'subscribe', undefined, classifyRedisError);
      this.#events.failed(classified);
      // A slow or lost reply leaves the state unknown: start over. A refusal
      // (no CLIENT rights, Redis < 6) stays off until the next reconnect.
      const retry =
        classified.type === BackendErrorType.TRANSIENT ||
        classified.type === BackendErrorType.TIMEOUT;
      if (retry && this.#redis.status === 'ready') this.#redis.disconnect(true);
    });
  };

  async #enable(): Promise<void> {
    const redis = this.#redis;
    const id = String(await raceWithTimeout(redis.client('ID'), ENABLE_TIMEOUT_MS, 'subscribe'));
    const enabled =
      this.#prefix === undefined
        ? undefined
        : redis.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', id, 'BCAST', 'PREFIX', this.#prefix);
    const subscribed = redis.subscribe(INVALIDATE_CHANNEL);
    await raceWithTimeout(Promise.all([enabled, subscribed]), ENABLE_TIMEOUT_MS, 'subscribe');
    if (this.#closed || redis.status !== 'ready') return;
    this.#tracking = true;
    this.#events.tracking(id);
  }

  readonly #onClose = (): void => {
    if (this.#closed) return;
    const wasTracking = this.#tracking;
    this.#tracking = false;
    if (wasTracking) this.#events.doubt('tracking connection closed');
  };

  readonly #onMessage = (channel: Buffer, payload: unknown): void => {
    if (this.#closed || channel.toString() !== INVALIDATE_CHANNEL) return;
    if (payload === null || payload === undefined) {
      this.#events.flushed();
      return;
    }
    if (Array.isArray(payload)) {
      this.#events.keys(payload as Buffer[]);
      return;
    }
    // Not a shape RESP2 tracking sends: a message may have been lost.
    this.#events.doubt('unexpected invalidation message');
  };
}

function noop(): void {}
