import { hasSubscribers } from 'node:diagnostics_channel';
import {
  EVENT_CHANNEL_NAMES,
  type InvalidationMessage,
  publishInvalidation,
} from '@cachestack/core';

/**
 * Publishes what an invalidation bus did on `cachestack:invalidation`
 * (core's `publishInvalidation`; nothing is built when nobody listens):
 * `published` and `received` carry the message's namespace and key count
 * (absent for a `clear`), `received` the lag from the message's `sentAt`
 * when it has one; `flush` says subscribers drop their local copies.
 * @param source - the bus (`redis-bus`, `local-bus`).
 */
export function publishBusEvent(
  source: string,
  kind: 'received' | 'published' | 'flush',
  message: InvalidationMessage | undefined,
  reason?: string,
): void {
  if (!hasSubscribers(EVENT_CHANNEL_NAMES.invalidation)) return;
  publishInvalidation({
    source,
    kind,
    namespace: message?.namespace,
    ...(message?.kind === 'keys' && Array.isArray(message.keys)
      ? { keyCount: message.keys.length }
      : {}),
    ...(kind === 'received' && typeof message?.sentAt === 'number'
      ? { lagMs: Math.max(0, Date.now() - message.sentAt) }
      : {}),
    ...(reason === undefined ? {} : { reason }),
  });
}
