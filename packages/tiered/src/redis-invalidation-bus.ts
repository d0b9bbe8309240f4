import {
  assertKnownOptions,
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  classifyRedisError,
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
  type Logger,
  logSafely,
  resolveLogger,
  toBackendError,
} from '@cachestack/core';
import { publishBusEvent } from './bus-events.js';
import {
  connectOrClassify,
  connectSubscriber,
  duplicateForSubscriber,
} from './redis-subscriber-connection.js';

/**
 * The part of an ioredis `Redis` or `Cluster` instance the bus uses, typed
 * structurally so this package never imports ioredis at run time.
 */
export interface RedisPubSubConnection {
  /** ioredis connection status (`wait`, `connecting`, `ready`, `end`, …). */
  readonly status: string;
  /** `PUBLISH channel message`; cluster-wide on Redis Cluster. */
  publish(channel: string, message: string): Promise<unknown>;
  /** `SUBSCRIBE channel …`. */
  subscribe(...channels: string[]): Promise<unknown>;
  /** `UNSUBSCRIBE channel …`. */
  unsubscribe(...channels: string[]): Promise<unknown>;
  /** Adds an event listener (`message`, `ready`, `error`). */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Removes an event listener. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Closes the connection politely. */
  quit(): Promise<unknown>;
  /** Closes the connection at once. */
  disconnect(): void;
  /** Opens a lazy (`lazyConnect`) connection; rejects when it cannot be made. */
  connect(): Promise<unknown>;
  /** `true` on an ioredis `Cluster` (whose `duplicate` takes startup nodes first). */
  readonly isCluster?: boolean;
  /**
   * A new connection with the same settings and the given overrides (used
   * for the subscriber): `Redis#duplicate(overrides)`, or
   * `Cluster#duplicate(startupNodes, overrides)` when `isCluster`.
   */
  duplicate(overridesOrNodes?: object, clusterOverrides?: object): RedisPubSubConnection;
}

/** Options of {@link RedisInvalidationBus}. */
export interface RedisInvalidationBusOptions {
  /**
   * The user's ioredis `Redis` or `Cluster` instance, connected or lazy
   * (`lazyConnect`; a lazy one is connected at the first publish), with or
   * without an offline queue. Messages are published on it; the bus
   * subscribes on its own `client.duplicate()` connection, which it makes
   * lazy, connects itself before `SUBSCRIBE` and closes on `close()`. When
   * that connection cannot be made, `subscribe()` rejects with a TRANSIENT
   * `UNAVAILABLE` error at the first failed attempt. The client itself stays
   * open.
   */
  client: RedisPubSubConnection;
  /**
   * The pub/sub channel.
   * @default 'cachestack:invalidate'
   */
  channel?: string | undefined;
  /** Called with errors of the subscriber connection (it reconnects by itself). */
  onError?: ((error: BackendError) => void) | undefined;
  /**
   * Where the bus logs (pino-compatible): subscriber connection errors
   * (warn, with the error type and code), reconnects after which local
   * copies are dropped (info), malformed messages ignored and subscriber
   * handlers that threw (warn). Never message keys, values or credentials.
   * @default silent
   */
  logger?: Logger | undefined;
}

/** Every option name of {@link RedisInvalidationBusOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  client: true,
  channel: true,
  onError: true,
  logger: true,
} satisfies Record<keyof RedisInvalidationBusOptions, true>);

const SOURCE = 'redis-bus';

/** The default channel of {@link RedisInvalidationBus}. */
export const DEFAULT_INVALIDATION_CHANNEL = 'cachestack:invalidate';

function parseMessage(text: string): InvalidationMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { origin, namespace, kind, keys, sentAt } = value as Record<string, unknown>;
  if (typeof origin !== 'string' || typeof namespace !== 'string') return undefined;
  if (kind !== 'keys' && kind !== 'clear') return undefined;
  if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string'))) {
    return undefined;
  }
  const message: InvalidationMessage = {
    origin,
    namespace,
    kind,
    keys: keys as string[] | undefined,
  };
  if (typeof sentAt === 'number' && Number.isFinite(sentAt)) message.sentAt = sentAt;
  return message;
}

/**
 * An {@link InvalidationBus} over Redis pub/sub (standalone, Sentinel or
 * Cluster: `PUBLISH` reaches every node's subscribers). Messages are JSON
 * `{origin, namespace, kind, keys, sentAt?}`, never values (receivers
 * ignore fields they do not know, so senders old and new mix). Publishes
 * `published`, `received` (with `lagMs` when the message has `sentAt`) and
 * `flush` (after a reconnect) events on `cachestack:invalidation`. Delivery is best effort:
 * pub/sub keeps nothing for a disconnected subscriber, so after the
 * subscriber connection reconnects (every `ready` after the first) the
 * subscribers' `onReconnect` runs and tiered caches clear their local tiers.
 */
export class RedisInvalidationBus implements InvalidationBus {
  readonly #client: RedisPubSubConnection;
  readonly #channel: string;
  readonly #onError: ((error: BackendError) => void) | undefined;
  readonly #logger: Logger;
  readonly #handlers = new Set<InvalidationHandlers>();
  #subscriber: RedisPubSubConnection | undefined;
  #subscribing: Promise<void> | undefined;
  #clientConnecting: Promise<void> | undefined;
  #readyCount = 0;
  #closed = false;

  /** @param options - see {@link RedisInvalidationBusOptions}; invalid options throw a `TypeError`. */
  constructor(options: RedisInvalidationBusOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('RedisInvalidationBus options must be an object with a client');
    }
    assertKnownOptions(options, OPTION_NAMES, 'RedisInvalidationBus');
    const { client, channel, onError } = options;
    if (
      typeof client !== 'object' ||
      client === null ||
      typeof client.publish !== 'function' ||
      typeof client.connect !== 'function' ||
      typeof client.duplicate !== 'function'
    ) {
      throw new TypeError('client must be an ioredis Redis or Cluster instance');
    }
    if (channel !== undefined && (typeof channel !== 'string' || channel === '')) {
      throw new TypeError('channel must be a non-empty string');
    }
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError('onError must be a function');
    }
    this.#client = client;
    this.#channel = channel ?? DEFAULT_INVALIDATION_CHANNEL;
    this.#onError = onError;
    this.#logger = resolveLogger(options.logger, 'logger');
  }

  /** The pub/sub channel in use. */
  get channel(): string {
    return this.#channel;
  }

  async publish(message: InvalidationMessage): Promise<void> {
    if (this.#closed) throw closed('publish');
    try {
      // A lazy client (RedisBackend's own Cluster is one) is connected first:
      // with its offline queue disabled, a command sent while it connects fails.
      const connecting = this.#clientConnecting ?? this.#connectIfLazy();
      if (connecting !== undefined) await connecting;
      await this.#client.publish(this.#channel, JSON.stringify(message));
    } catch (error) {
      throw toBackendError(error, 'publish', undefined, classifyRedisError);
    }
    publishBusEvent(SOURCE, 'published', message);
  }

  async subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    if (this.#closed) throw closed('subscribe');
    const entry = { onMessage: handlers.onMessage, onReconnect: handlers.onReconnect };
    this.#handlers.add(entry);
    try {
      await this.#ensureSubscriber();
    } catch (error) {
      this.#handlers.delete(entry);
      throw error;
    }
    return async () => {
      this.#handlers.delete(entry);
    };
  }

  /** Unsubscribes and closes the subscriber connection; the user's client stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    await this.#subscribing?.catch(() => undefined);
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber === undefined) return;
    subscriber.off('message', this.#onMessage);
    subscriber.off('ready', this.#onReady);
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
    subscriber.off('error', this.#onConnectionError);
  }

  /** Connects the user's client when it is lazy and not connected yet (publishes wait for it). */
  #connectIfLazy(): Promise<void> | undefined {
    if (this.#client.status !== 'wait') return undefined;
    this.#clientConnecting = connectOrClassify(this.#client, 'publish').finally(() => {
      this.#clientConnecting = undefined;
    });
    return this.#clientConnecting;
  }

  #ensureSubscriber(): Promise<void> {
    this.#subscribing ??= (async () => {
      const subscriber = duplicateForSubscriber(this.#client);
      this.#subscriber = subscriber;
      subscriber.on('message', this.#onMessage);
      subscriber.on('ready', this.#onReady);
      subscriber.on('error', this.#onConnectionError);
      try {
        await connectSubscriber(subscriber, this.#channel);
      } catch (error) {
        this.#subscribing = undefined;
        this.#subscriber = undefined;
        subscriber.disconnect();
        throw error;
      }
    })();
    return this.#subscribing;
  }

  readonly #onMessage = (...args: unknown[]): void => {
    const [channel, text] = args;
    if (channel !== this.#channel || this.#closed) return;
    const message = parseMessage(String(text));
    if (message === undefined) {
      logSafely(this.#logger, 'warn', { channel }, 'invalidation bus: malformed message ignored');
      return;
    }
    publishBusEvent(SOURCE, 'received', message);
    for (const handlers of [...this.#handlers]) {
      try {
        const work: unknown = handlers.onMessage(message);
        if (work instanceof Promise) work.catch((error: unknown) => this.#handlerFailed(error));
      } catch (error) {
        // One subscriber's failure must not stop delivery to the others.
        this.#handlerFailed(error);
      }
    }
  };

  #handlerFailed(error: unknown): void {
    const failure = toBackendError(error, 'invalidate');
    logSafely(
      this.#logger,
      'warn',
      { errorType: failure.type, errorCode: failure.code },
      'invalidation bus: a subscriber failed to apply a message',
    );
  }

  readonly #onReady = (): void => {
    this.#readyCount += 1;
    if (this.#readyCount === 1 || this.#closed) return;
    publishBusEvent(SOURCE, 'flush', undefined, 'reconnect');
    logSafely(
      this.#logger,
      'info',
      { channel: this.#channel, reconnects: this.#readyCount - 1 },
      'invalidation bus reconnected: subscribers drop their local copies (messages may have been missed)',
    );
    for (const handlers of [...this.#handlers]) {
      try {
        handlers.onReconnect();
      } catch {
        // Keep notifying the others.
      }
    }
  };

  readonly #onConnectionError = (...args: unknown[]): void => {
    const failure = toBackendError(args[0], 'subscribe', undefined, classifyRedisError);
    logSafely(
      this.#logger,
      'warn',
      { channel: this.#channel, errorType: failure.type, errorCode: failure.code },
      'invalidation bus: subscriber connection error (it reconnects by itself)',
    );
    try {
      this.#onError?.(failure);
    } catch {
      // A throwing listener must not break the bus.
    }
  };
}

function closed(operation: string): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.CLOSED,
    message: 'the Redis invalidation bus is closed',
    operation,
  });
}
