import { type BackendError, raceWithTimeout, toBackendError } from '@cachestack/core';
import type { Redis } from 'ioredis';
import { classifyRedisError } from './classify-redis-error.js';

/** Longest wait for `CLIENT TRACKING` to answer, in ms; then tracking stays off until the next reconnect. */
const ENABLE_TIMEOUT_MS = 5000;

/** What a {@link ReadTracking} reports. */
export interface ReadTrackingEvents {
  /** Reads sent from now on are tracked: drop what was read before. */
  tracking(): void;
  /** The tracked connection closed: Redis forgot what it read. */
  doubt(reason: string): void;
  /** `CLIENT TRACKING` was refused or did not answer. */
  failed(error: BackendError): void;
}

/**
 * Default-mode tracking of the keys one connection reads (the backend's own
 * connection): `CLIENT TRACKING on REDIRECT <id>`, where `<id>` is the
 * connection subscribed to the invalidations. Redis then remembers every key
 * that connection reads and invalidates it once, at its next change. Turned on
 * again whenever the connection reconnects or the redirect target changes;
 * each time, {@link ReadTrackingEvents.tracking} fires once the reply came
 * back (commands on one connection run in order, so every later read is
 * tracked).
 */
export class ReadTracking {
  readonly #client: Redis;
  readonly #events: ReadTrackingEvents;
  #redirectId: string | undefined;
  #tracking = false;
  #closed = false;

  /** @param client - the connection whose reads are tracked; it is not closed here. */
  constructor(client: Redis, events: ReadTrackingEvents) {
    this.#client = client;
    this.#events = events;
    client.on('ready', this.#onReady);
    client.on('close', this.#onClose);
    // A lazy connection would connect only at the backend's first command.
    if (client.status === 'wait') client.connect().catch(() => undefined);
  }

  /** True while the connection's reads are tracked and redirected to a live connection. */
  get tracking(): boolean {
    return this.#tracking;
  }

  /**
   * Redirects the invalidations to the connection `id` (or to none while it
   * is down): tracking is turned on (again) with the new target.
   */
  redirectTo(id: string | undefined): void {
    this.#redirectId = id;
    this.#tracking = false;
    if (id !== undefined && this.#client.status === 'ready') this.#enable(id);
  }

  /** Stops tracking the connection's reads (`CLIENT TRACKING off`); leaves it open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#tracking = false;
    this.#client.off('ready', this.#onReady);
    this.#client.off('close', this.#onClose);
    if (this.#client.status !== 'ready') return;
    await raceWithTimeout(
      this.#client.call('CLIENT', 'TRACKING', 'off'),
      ENABLE_TIMEOUT_MS,
      'close',
    ).catch(() => undefined);
  }

  readonly #onReady = (): void => {
    if (this.#redirectId !== undefined) this.#enable(this.#redirectId);
  };

  readonly #onClose = (): void => {
    if (this.#closed || !this.#tracking) return;
    this.#tracking = false;
    this.#events.doubt('tracked connection closed');
  };

  #enable(id: string): void {
    const client = this.#client;
    // Off first: a connection that tracks already keeps its old target otherwise.
    const off = client.call('CLIENT', 'TRACKING', 'off');
    const on = client.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', id);
    raceWithTimeout(Promise.all([off, on]), ENABLE_TIMEOUT_MS, 'subscribe').then(
      () => {
        if (this.#closed || this.#redirectId !== id || client.status !== 'ready') return;
        this.#tracking = true;
        this.#events.tracking();
      },
      (error: unknown) => {
        if (this.#closed) return;
        // Tracking stays off (copies are not vouched for) until the next reconnect.
        this.#events.failed(toBackendError(error, 'subscribe', undefined, classifyRedisError));
      },
    );
  }
}
