import { type Channel, channel } from 'node:diagnostics_channel';

/**
 * The names of cachestack's plain `node:diagnostics_channel` channels, for
 * state changes that are not operations. Stable: renaming one is a breaking
 * change. Subscribe with `diagnostics_channel.subscribe(name, fn)`.
 */
export const EVENT_CHANNEL_NAMES = {
  /** A circuit breaker changed state: {@link BreakerStateEvent}. */
  breaker: 'cachestack:breaker',
  /** An invalidation bus (or Redis tracking) delivered or lost messages: {@link InvalidationEvent}. */
  invalidation: 'cachestack:invalidation',
} as const;

/** One of {@link EVENT_CHANNEL_NAMES}' values. */
export type EventChannelName = (typeof EVENT_CHANNEL_NAMES)[keyof typeof EVENT_CHANNEL_NAMES];

/** Published on `cachestack:breaker` when a circuit breaker changes state. */
export interface BreakerStateEvent {
  /** What the breaker guards: a backend type or a tier name (`tier 1 (redis)`). */
  readonly name: string;
  /** The state it left. */
  readonly from: 'closed' | 'open' | 'half-open';
  /** The state it entered. */
  readonly to: 'closed' | 'open' | 'half-open';
  /** Why, in words (never a value or a credential). */
  readonly reason?: string;
}

/** Published on `cachestack:invalidation` for what an invalidation source did. */
export interface InvalidationEvent {
  /** The source: `redis-bus`, `local-bus`, `redis-tracking`... */
  readonly source: string;
  /** The namespace the keys belong to. */
  readonly namespace: string | undefined;
  /**
   * `received`: a message arrived (`keyCount` keys, or all for `clear`);
   * `published`: this process sent one; `flush`: local copies were dropped
   * because messages may have been missed (a reconnect, a lost message).
   */
  readonly kind: 'received' | 'published' | 'flush';
  /** How many keys it named (absent for a whole-namespace clear or flush). */
  readonly keyCount?: number;
  /** For `received`: ms from when the sender published to now, when the message says. */
  readonly lagMs?: number;
  /** Why, for `flush`. */
  readonly reason?: string;
}

const channels = new Map<EventChannelName, Channel>();

/** The channel named `name` (created once). */
function channelFor(name: EventChannelName): Channel {
  let found = channels.get(name);
  if (found === undefined) {
    found = channel(name);
    channels.set(name, found);
  }
  return found;
}

/** Publishes `event` on `cachestack:breaker` when someone listens. */
export function publishBreakerState(event: BreakerStateEvent): void {
  const found = channelFor(EVENT_CHANNEL_NAMES.breaker);
  if (found.hasSubscribers) found.publish(event);
}

/** Publishes `event` on `cachestack:invalidation` when someone listens. */
export function publishInvalidation(event: InvalidationEvent): void {
  const found = channelFor(EVENT_CHANNEL_NAMES.invalidation);
  if (found.hasSubscribers) found.publish(event);
}
