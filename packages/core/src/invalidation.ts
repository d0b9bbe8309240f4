/**
 * A cross-process cache invalidation message. It names keys, never values.
 */
export interface InvalidationMessage {
  /** Identifies the sending process/instance; receivers ignore their own messages. */
  origin: string;
  /** The cache namespace the keys belong to; receivers ignore other namespaces. */
  namespace: string;
  /** `keys`: drop the listed keys; `clear`: drop every key of the namespace. */
  kind: 'keys' | 'clear';
  /** The keys to drop, for `kind: 'keys'`. */
  keys?: string[] | undefined;
  /**
   * When the sender published it (epoch ms, `Date.now()`), so receivers can
   * report the delivery lag. Optional: older senders omit it and older
   * receivers ignore it.
   */
  sentAt?: number | undefined;
}

/** Callbacks an {@link InvalidationBus} subscriber provides. */
export interface InvalidationHandlers {
  /**
   * Called for every message received (including the subscriber's own; filter
   * by `origin`). A bus may await what it returns (a promise) before delivering the next.
   */
  onMessage(message: InvalidationMessage): void;
  /**
   * Called after the bus reconnected: messages may have been missed in
   * between, so local copies should be dropped.
   */
  onReconnect(): void;
}

/**
 * Carries {@link InvalidationMessage}s between processes so that a write in
 * one process drops stale local (L1) copies in the others. Delivery is best
 * effort: staleness after a lost message is bounded by the local copy's TTL.
 */
export interface InvalidationBus {
  /** Sends a message to every subscriber (this process's included). */
  publish(message: InvalidationMessage): Promise<void>;
  /** Starts delivering messages; resolves a function that stops it. */
  subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>>;
  /** Stops the bus and releases connections it owns. Idempotent. */
  close(): Promise<void>;
}
