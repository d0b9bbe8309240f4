import type { InvalidationBus, InvalidationHandlers, InvalidationMessage } from '@cachestack/core';

/**
 * What a {@link FaultInjectingBus} does to messages on their way to its
 * subscribers: `none` delivers them, `drop` loses them, `duplicate`
 * delivers each twice, `reorder` holds them until
 * {@link FaultInjectingBus.release}, which delivers them newest first.
 */
export type BusFault = 'none' | 'drop' | 'duplicate' | 'reorder';

function copy(message: InvalidationMessage): InvalidationMessage {
  return { ...message, keys: message.keys === undefined ? undefined : [...message.keys] };
}

/**
 * Wraps a real {@link InvalidationBus} and injects delivery faults on the
 * subscriber side (what a network may do to pub/sub: lose, repeat or
 * reorder messages). Publishing and reconnect notifications pass through.
 */
export class FaultInjectingBus implements InvalidationBus {
  /** The wrapped bus. */
  readonly inner: InvalidationBus;
  /** The current fault; change it at any time. */
  fault: BusFault = 'none';
  readonly #held: { handlers: InvalidationHandlers; message: InvalidationMessage }[] = [];

  constructor(inner: InvalidationBus) {
    this.inner = inner;
  }

  /** Messages held by `reorder`, not delivered yet. */
  get heldCount(): number {
    return this.#held.length;
  }

  publish(message: InvalidationMessage): Promise<void> {
    return this.inner.publish(message);
  }

  subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    return this.inner.subscribe({
      onMessage: (message) => this.#deliver(handlers, message),
      onReconnect: () => handlers.onReconnect(),
    });
  }

  /** Delivers every held message, newest first, in one go; resolves when the handlers have applied them. */
  async release(): Promise<void> {
    const held = this.#held.splice(0).reverse();
    await Promise.all(held.map(({ handlers, message }) => handlers.onMessage(message)));
  }

  close(): Promise<void> {
    this.#held.length = 0;
    return this.inner.close();
  }

  #deliver(handlers: InvalidationHandlers, message: InvalidationMessage): unknown {
    switch (this.fault) {
      case 'drop':
        return undefined;
      case 'duplicate':
        return Promise.all([handlers.onMessage(message), handlers.onMessage(copy(message))]);
      case 'reorder':
        this.#held.push({ handlers, message: copy(message) });
        return undefined;
      default:
        return handlers.onMessage(message);
    }
  }
}
