import {
  BackendError,
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
} from '@cachestack/core';
import type { BusNode, BusNodeContext } from '../../src/index.js';

/** One deliberate defect of {@link ReferenceBus}. */
export type BusDefect =
  | 'keys-truncated'
  | 'unsubscribe-noop'
  | 'raw-error-after-close'
  | 'reconnect-not-reported';

/** One deliberate defect of {@link ReferenceNode}. */
export type NodeDefect =
  | 'ignores-messages'
  | 'no-ttl-cap'
  | 'dedup-by-content'
  | 'applies-newest-of-burst';

const hubs = new Map<string, Set<ReferenceBus>>();

/** An in-process bus: every handle of one namespace reaches the others. */
export class ReferenceBus implements InvalidationBus {
  readonly #hub: Set<ReferenceBus>;
  readonly #handlers = new Set<InvalidationHandlers>();
  readonly #defect: BusDefect | undefined;
  #closed = false;

  constructor(namespace: string, defect?: BusDefect) {
    let hub = hubs.get(namespace);
    if (hub === undefined) {
      hub = new Set();
      hubs.set(namespace, hub);
    }
    this.#hub = hub;
    this.#defect = defect;
    hub.add(this);
  }

  async publish(message: InvalidationMessage): Promise<void> {
    if (this.#closed) {
      if (this.#defect === 'raw-error-after-close') throw new Error('closed');
      throw new BackendError({
        type: 'PERMANENT',
        code: 'CLOSED',
        message: 'the bus is closed',
        operation: 'publish',
      });
    }
    const sent =
      this.#defect === 'keys-truncated' && message.keys !== undefined
        ? { ...message, keys: message.keys.slice(0, 100) }
        : message;
    const work: unknown[] = [];
    for (const bus of [...this.#hub]) {
      for (const handlers of [...bus.#handlers])
        work.push(handlers.onMessage(structuredClone(sent)));
    }
    await Promise.all(work);
  }

  async subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    const entry = { onMessage: handlers.onMessage, onReconnect: handlers.onReconnect };
    this.#handlers.add(entry);
    return async () => {
      if (this.#defect !== 'unsubscribe-noop') this.#handlers.delete(entry);
    };
  }

  /** Simulates a lost and restored connection. */
  async reconnect(): Promise<void> {
    if (this.#defect === 'reconnect-not-reported') return;
    await Promise.resolve();
    for (const handlers of [...this.#handlers]) handlers.onReconnect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
    this.#hub.delete(this);
  }
}

const stores = new Map<string, Map<string, Uint8Array>>();

/** Drops the shared stores (between tests). */
export function resetReferenceStores(): void {
  stores.clear();
  hubs.clear();
}

/** A node: a local copy map (capped) over a shared in-process store, invalidated through the bus. */
export class ReferenceNode implements BusNode {
  readonly #context: BusNodeContext;
  readonly #defect: NodeDefect | undefined;
  readonly #local = new Map<string, { value: Uint8Array; until: number }>();
  readonly #store: Map<string, Uint8Array>;
  #last = '';
  #pending: InvalidationMessage | undefined;
  #stop: (() => Promise<void>) | undefined;

  private constructor(context: BusNodeContext, defect: NodeDefect | undefined) {
    this.#context = context;
    this.#defect = defect;
    let store = stores.get(context.namespace);
    if (store === undefined) {
      store = new Map();
      stores.set(context.namespace, store);
    }
    this.#store = store;
  }

  /** A node subscribed to `context.bus`. */
  static async create(context: BusNodeContext, defect?: NodeDefect): Promise<ReferenceNode> {
    const node = new ReferenceNode(context, defect);
    node.#stop = await context.bus.subscribe({
      onMessage: (message) => node.#onMessage(message),
      onReconnect: () => node.#local.clear(),
    });
    return node;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const copy = this.#local.get(key);
    if (copy !== undefined && (this.#defect === 'no-ttl-cap' || Date.now() < copy.until))
      return copy.value;
    const value = this.#store.get(key);
    if (value !== undefined)
      this.#local.set(key, { value, until: Date.now() + this.#context.localTtlCapMs });
    return value;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    this.#store.set(key, value);
    this.#local.delete(key);
    await this.#context.bus.publish({
      origin: this.#context.origin,
      namespace: this.#context.namespace,
      kind: 'keys',
      keys: [key],
    });
  }

  async close(): Promise<void> {
    await this.#stop?.();
  }

  #onMessage(message: InvalidationMessage): void {
    if (message.origin === this.#context.origin || message.namespace !== this.#context.namespace)
      return;
    if (this.#defect === 'ignores-messages') return;
    if (this.#defect === 'dedup-by-content') {
      const text = JSON.stringify(message);
      if (text === this.#last) return;
      this.#last = text;
    }
    if (this.#defect === 'applies-newest-of-burst') {
      const scheduled = this.#pending !== undefined;
      this.#pending = message;
      if (!scheduled) {
        queueMicrotask(() => {
          const newest = this.#pending;
          this.#pending = undefined;
          if (newest !== undefined) this.#apply(newest);
        });
      }
      return;
    }
    this.#apply(message);
  }

  #apply(message: InvalidationMessage): void {
    if (message.kind === 'clear') this.#local.clear();
    else for (const key of message.keys ?? []) this.#local.delete(key);
  }
}
