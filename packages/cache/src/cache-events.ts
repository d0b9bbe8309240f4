import { type BackendError, type Logger, logSafely, silentLogger } from '@cachestack/core';

/** Fields every key event carries. */
export interface KeyEvent {
  /** The key as the caller passed it (without namespace prefix). */
  key: string;
  /** The key in the backend: `${namespace}:` prefixes plus {@link KeyEvent.key}. */
  storeKey: string;
}

/** Why getOrSet served a stale value. */
export type StaleReason = 'loader-error' | 'loader-timeout' | 'backend-error';

/** Every event a {@link Cache} emits, and its payload. */
export interface CacheEventMap {
  /**
   * A read found a fresh value; `objectTier` is true when the object tier
   * answered ({@link CacheOptions.objectCache}), false when the backend did.
   */
  hit: KeyEvent & { objectTier: boolean };
  /** A read found nothing fresh (missing, expired, stale, or corrupt). */
  miss: KeyEvent;
  /** A value was written; `ttlMs` is its fresh lifetime (ms), `undefined` for none. */
  set: KeyEvent & { ttlMs: number | undefined };
  /** A key was deleted; `existed` says whether it was there. */
  delete: KeyEvent & { existed: boolean };
  /** getOrSet served a stale value (within grace) instead of a fresh one. */
  stale: KeyEvent & { reason: StaleReason };
  /**
   * A backend, serializer or background-refresh failure. `handled` is true
   * when the cache absorbed it (fail-open read, corrupt entry treated as a
   * miss, background refresh, lock release) and false when it was also
   * thrown to the caller.
   */
  error: {
    error: BackendError | Error;
    operation: string;
    key: string | undefined;
    handled: boolean;
  };
}

/** The name of a {@link CacheEventMap} event. */
export type CacheEventName = keyof CacheEventMap;

/** A listener for event `E`. */
export type CacheListener<E extends CacheEventName> = (payload: CacheEventMap[E]) => void;

/**
 * A tiny typed event emitter. Emitting with no listener costs one property
 * read, so callers check {@link TypedEmitter.has} before building payloads.
 * A listener that throws does not break the cache operation: the exception
 * is logged (`warn`) through the cache's logger, or reported with
 * `process.emitWarning` when the cache has none.
 */
export class TypedEmitter {
  readonly #listeners: { [E in CacheEventName]?: CacheListener<E>[] } = {};
  readonly #logger: Logger;

  /** @param logger - where a throwing listener is reported (default: `process.emitWarning`). */
  constructor(logger: Logger = silentLogger) {
    this.#logger = logger;
  }

  /** Adds `listener` for `event`; returns a function that removes it. */
  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const list = this.#listeners[event] as CacheListener<E>[] | undefined;
    if (list === undefined) {
      (this.#listeners as Record<string, unknown>)[event] = [listener];
    } else {
      list.push(listener);
    }
    return () => this.off(event, listener);
  }

  /** Removes `listener` from `event`. */
  off<E extends CacheEventName>(event: E, listener: CacheListener<E>): void {
    const list = this.#listeners[event] as CacheListener<E>[] | undefined;
    if (list === undefined) return;
    const index = list.indexOf(listener);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) delete this.#listeners[event];
  }

  /** True when `event` has at least one listener. */
  has(event: CacheEventName): boolean {
    return this.#listeners[event] !== undefined;
  }

  /** Calls every listener of `event` with `payload`. */
  emit<E extends CacheEventName>(event: E, payload: CacheEventMap[E]): void {
    const list = this.#listeners[event] as CacheListener<E>[] | undefined;
    if (list === undefined) return;
    for (const listener of [...list]) {
      try {
        listener(payload);
      } catch (error) {
        const message = `a cache "${event}" listener threw: ${error instanceof Error ? error.message : String(error)}`;
        if (this.#logger === silentLogger) process.emitWarning(message, 'CacheListenerWarning');
        else logSafely(this.#logger, 'warn', { event }, message);
      }
    }
  }
}
