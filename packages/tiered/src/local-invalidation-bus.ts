import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
} from '@cachestack/core';
import { publishBusEvent } from './bus-events.js';

const SOURCE = 'local-bus';

function copyMessage(message: InvalidationMessage): InvalidationMessage {
  return {
    origin: message.origin,
    namespace: message.namespace,
    kind: message.kind,
    keys: message.keys === undefined ? undefined : [...message.keys],
    sentAt: message.sentAt,
  };
}

/**
 * An in-process {@link InvalidationBus}: for several caches in one process
 * and for tests. `publish` delivers a copy of the message to every
 * subscriber and waits until each has applied it (handlers may return a
 * promise), so after `await cache.set(…)` the other caches' local copies
 * are already gone. Publishes `published`, `received` and `flush` events on
 * `cachestack:invalidation` (source `local-bus`).
 */
export class LocalInvalidationBus implements InvalidationBus {
  readonly #subscribers = new Set<InvalidationHandlers>();
  #closed = false;

  /** Number of active subscriptions. */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  async publish(message: InvalidationMessage): Promise<void> {
    if (this.#closed) throw this.#closedError('publish');
    publishBusEvent(SOURCE, 'published', message);
    publishBusEvent(SOURCE, 'received', message);
    const work: unknown[] = [];
    for (const handlers of [...this.#subscribers]) {
      try {
        work.push(handlers.onMessage(copyMessage(message)));
      } catch {
        // One subscriber's failure must not stop delivery to the others.
      }
    }
    await Promise.allSettled(work);
  }

  async subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    if (this.#closed) throw this.#closedError('subscribe');
    const entry = { onMessage: handlers.onMessage, onReconnect: handlers.onReconnect };
    this.#subscribers.add(entry);
    return async () => {
      this.#subscribers.delete(entry);
    };
  }

  /**
   * Tells every subscriber that the bus reconnected (as a network bus does
   * after a connection loss), so they drop their local copies. For tests.
   */
  simulateReconnect(): void {
    publishBusEvent(SOURCE, 'flush', undefined, 'reconnect');
    for (const handlers of [...this.#subscribers]) handlers.onReconnect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
  }

  #closedError(operation: string): BackendError {
    return new BackendError({
      type: BackendErrorType.PERMANENT,
      code: BackendErrorCode.CLOSED,
      message: 'the local invalidation bus is closed',
      operation,
    });
  }
}
