import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type BaseBackend,
  isBackendError,
  normalizeTtl,
  toBackendError,
} from '@cachestack/core';
import type { CacheEventMap } from './cache-events.js';
import { TypedEmitter } from './cache-events.js';
import type { CorruptEntryPolicy } from './cache-options.js';
import { type CacheStats, emptyStats } from './cache-stats.js';
import { decodeEnvelope, type Envelope, encodeEnvelope } from './entry-envelope.js';
import { corruptError, type Serializer, unserializableError } from './serializer.js';

/** What a read found. */
export type ReadResult =
  | { state: 'missing' }
  | { state: 'fresh'; value: unknown; envelope: Envelope }
  | { state: 'stale'; value: unknown; envelope: Envelope };

/** Settings of a {@link CacheCore}, validated. */
export interface CacheCoreSettings {
  backend: BaseBackend;
  serializer: Serializer;
  defaultTtlMs: number | undefined;
  failOpen: boolean;
  onCorrupt: CorruptEntryPolicy;
  lockTtlMs: number;
  lockWaitMs: number;
}

/** A PERMANENT `INVALID_ARGUMENT` error for a bad per-call option. */
export function invalidArgument(message: string, operation: string, key?: string): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.INVALID_ARGUMENT,
    message,
    operation,
    key,
  });
}

/** Validates a per-call duration in ms (`> 0`, or `>= 0` with `allowZero`). */
export function callMs(
  value: unknown,
  name: string,
  operation: string,
  key: string | undefined,
  allowZero = false,
): number | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (value === 0 && !allowZero)
  ) {
    const bound = allowZero ? '>= 0' : 'greater than 0';
    throw invalidArgument(
      `${name} must be a finite number of ms ${bound}, got ${String(value)}`,
      operation,
      key,
    );
  }
  return Math.ceil(value);
}

/**
 * The state one cache and all its namespaces share: backend, serializer,
 * stats, events, in-flight loads. Works on full (prefixed) store keys.
 * @internal
 */
export class CacheCore {
  readonly settings: CacheCoreSettings;
  readonly events = new TypedEmitter();
  readonly inflight = new Map<string, Promise<unknown>>();
  readonly #background = new Set<Promise<unknown>>();
  stats: CacheStats = emptyStats();

  constructor(settings: CacheCoreSettings) {
    this.settings = settings;
  }

  /** Counts and emits an error; returns it as a {@link BackendError} when it is one. */
  report(
    error: BackendError | Error,
    operation: string,
    key: string | undefined,
    handled: boolean,
  ): void {
    this.stats.errors++;
    if (this.events.has('error')) this.events.emit('error', { error, operation, key, handled });
  }

  /** Runs a backend call; classifies, counts and emits its failure, then rethrows it. */
  async call<T>(operation: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const classified = toBackendError(error, operation, key);
      this.report(classified, operation, key, false);
      throw classified;
    }
  }

  /** Tracks a background promise (never rejects) so {@link CacheCore.idle} can await it. */
  track(promise: Promise<unknown>): void {
    const tracked = promise.then(
      () => undefined,
      () => undefined,
    );
    this.#background.add(tracked);
    void tracked.then(() => this.#background.delete(tracked));
  }

  /** Resolves when every background refresh started so far has settled. */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }

  /** Serializes `value` into an envelope; returns the bytes and the backend TTL (ms). */
  encode(
    value: unknown,
    storeKey: string,
    operation: string,
    ttlMs: number | undefined,
    graceMs = 0,
  ): { bytes: Uint8Array; backendTtlMs: number | undefined } {
    const ttl = normalizeTtl(ttlMs ?? this.settings.defaultTtlMs, operation, storeKey);
    if (value === undefined) {
      throw unserializableError(
        'undefined cannot be cached (a read of it would look like a miss); store null instead',
        storeKey,
      );
    }
    let payload: Uint8Array;
    try {
      payload = this.settings.serializer.serialize(value);
    } catch (error) {
      if (isBackendError(error)) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw unserializableError(
        `the serializer could not encode the value: ${detail}`,
        storeKey,
        error,
      );
    }
    if (!(payload instanceof Uint8Array)) {
      throw unserializableError('the serializer did not return a Uint8Array', storeKey);
    }
    if (ttl === undefined) {
      return {
        bytes: encodeEnvelope(payload, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY),
        backendTtlMs: undefined,
      };
    }
    const freshUntil = Date.now() + ttl;
    return {
      bytes: encodeEnvelope(payload, freshUntil, freshUntil + graceMs),
      backendTtlMs: ttl + graceMs,
    };
  }

  /** Emits `set` when someone listens. */
  emitSet(key: string, storeKey: string, ttlMs: number | undefined): void {
    this.stats.sets++;
    if (this.events.has('set')) {
      this.events.emit('set', { key, storeKey, ttlMs: ttlMs ?? this.settings.defaultTtlMs });
    }
  }

  /**
   * Decodes stored bytes (or their absence) into a {@link ReadResult},
   * applying the corrupt-entry policy.
   */
  async decode(
    bytes: Uint8Array | undefined,
    storeKey: string,
    operation: string,
  ): Promise<ReadResult> {
    if (bytes === undefined) return { state: 'missing' };
    const envelope = decodeEnvelope(bytes);
    if (typeof envelope === 'string') return this.#corrupt(envelope, storeKey, operation);
    const now = Date.now();
    if (now >= envelope.staleUntil) return { state: 'missing' };
    let value: unknown;
    try {
      value = this.settings.serializer.deserialize(envelope.payload);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return this.#corrupt(
        `the serializer could not decode the value: ${detail}`,
        storeKey,
        operation,
        error,
      );
    }
    return { state: now < envelope.freshUntil ? 'fresh' : 'stale', value, envelope };
  }

  /** Reads one store key; applies fail-open. */
  async read(storeKey: string, operation: string): Promise<ReadResult> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.settings.backend.get(storeKey);
    } catch (error) {
      const classified = toBackendError(error, operation, storeKey);
      this.report(classified, operation, storeKey, this.settings.failOpen);
      if (this.settings.failOpen) return { state: 'missing' };
      throw classified;
    }
    return this.decode(bytes, storeKey, operation);
  }

  /** Counts and emits a hit or a miss. */
  emitRead(hit: boolean, key: string, storeKey: string): void {
    if (hit) {
      this.stats.hits++;
      if (this.events.has('hit')) this.events.emit('hit', { key, storeKey });
    } else {
      this.stats.misses++;
      if (this.events.has('miss')) this.events.emit('miss', { key, storeKey });
    }
  }

  /** Emits an event payload when someone listens. */
  emit<E extends keyof CacheEventMap>(event: E, payload: () => CacheEventMap[E]): void {
    if (this.events.has(event)) this.events.emit(event, payload());
  }

  async #corrupt(
    reason: string,
    storeKey: string,
    operation: string,
    cause?: unknown,
  ): Promise<ReadResult> {
    const error = corruptError(reason, storeKey, cause);
    if (this.settings.onCorrupt === 'throw') {
      this.report(error, operation, storeKey, false);
      throw error;
    }
    this.report(error, operation, storeKey, true);
    try {
      await this.settings.backend.delete(storeKey);
    } catch (deleteError) {
      this.report(toBackendError(deleteError, 'delete', storeKey), 'delete', storeKey, true);
    }
    return { state: 'missing' };
  }
}
