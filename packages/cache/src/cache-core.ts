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
import { type TagStamp, TagVersions } from './tag-versions.js';

/** Current versions of some tags, as read by {@link TagVersions.current}. */
type Versions = Awaited<ReturnType<TagVersions['current']>>;

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
  /** The root cache's key prefix (`''` or `${namespace}:`): tags are scoped to it. */
  rootPrefix: string;
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
  /** Tag versions, stored through the same backend. */
  readonly tags: TagVersions;

  constructor(settings: CacheCoreSettings) {
    this.settings = settings;
    this.tags = new TagVersions(settings.backend, settings.rootPrefix);
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
    stamps: readonly TagStamp[] = [],
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
        bytes: encodeEnvelope(payload, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, stamps),
        backendTtlMs: undefined,
      };
    }
    const freshUntil = Date.now() + ttl;
    return {
      bytes: encodeEnvelope(payload, freshUntil, freshUntil + graceMs, stamps),
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
   * applying the corrupt-entry policy and the entry's tags. `versions`:
   * tag versions read beforehand (by {@link CacheCore.decodeMany}); without
   * them, a tagged entry's versions are read here in one batched call.
   */
  async decode(
    bytes: Uint8Array | undefined,
    storeKey: string,
    operation: string,
    versions?: Versions,
  ): Promise<ReadResult> {
    const envelope = await this.#envelope(bytes, storeKey, operation);
    if (envelope === undefined) return { state: 'missing' };
    return this.#finish(envelope, storeKey, operation, versions);
  }

  /**
   * Decodes several reads; the versions of every tag they carry are read in
   * one batched call.
   */
  async decodeMany(
    bytes: readonly (Uint8Array | undefined)[],
    storeKeys: readonly string[],
    operation: string,
  ): Promise<ReadResult[]> {
    const envelopes = await Promise.all(
      storeKeys.map((storeKey, i) => this.#envelope(bytes[i], storeKey, operation)),
    );
    const tags = new Set<string>();
    for (const envelope of envelopes)
      for (const stamp of envelope?.stamps ?? []) tags.add(stamp.tag);
    const versions = tags.size === 0 ? new Map() : await this.#versions([...tags], operation);
    return Promise.all(
      envelopes.map((envelope, i) =>
        envelope === undefined || versions === undefined
          ? { state: 'missing' as const }
          : this.#finish(envelope, storeKeys[i] as string, operation, versions),
      ),
    );
  }

  /**
   * The versions of `tags` for an entry about to be written (see
   * {@link TagVersions.observe}); `undefined` when they could not be read
   * and the cache fails open (the value is then not stored).
   */
  async observeTags(
    tags: readonly string[],
    storeKey: string,
    operation: string,
  ): Promise<TagStamp[] | undefined> {
    try {
      return await this.tags.observe(tags);
    } catch (error) {
      const classified = toBackendError(error, operation, storeKey);
      this.report(classified, operation, storeKey, this.settings.failOpen);
      if (!this.settings.failOpen) throw classified;
      return undefined;
    }
  }

  /** Reads tag versions; `undefined` when that failed and the cache fails open. */
  async #versions(tags: readonly string[], operation: string): Promise<Versions | undefined> {
    try {
      return await this.tags.current(tags);
    } catch (error) {
      const classified = toBackendError(error, operation);
      this.report(classified, operation, undefined, this.settings.failOpen);
      if (this.settings.failOpen) return undefined;
      throw classified;
    }
  }

  async #envelope(
    bytes: Uint8Array | undefined,
    storeKey: string,
    operation: string,
  ): Promise<Envelope | undefined> {
    if (bytes === undefined) return undefined;
    const envelope = decodeEnvelope(bytes);
    if (typeof envelope === 'string') {
      await this.#corrupt(envelope, storeKey, operation);
      return undefined;
    }
    return Date.now() >= envelope.staleUntil ? undefined : envelope;
  }

  async #finish(
    envelope: Envelope,
    storeKey: string,
    operation: string,
    given: Versions | undefined,
  ): Promise<ReadResult> {
    let fresh = Date.now() < envelope.freshUntil;
    if (envelope.stamps.length > 0) {
      const versions =
        given ??
        (await this.#versions(
          envelope.stamps.map((stamp) => stamp.tag),
          operation,
        ));
      if (versions === undefined) return { state: 'missing' };
      const verdict = TagVersions.verdict(envelope.stamps, versions);
      if (verdict === 'invalidated') return { state: 'missing' };
      if (verdict === 'expired') {
        // Soft-expired: servable stale only by entries written with a grace period.
        if (envelope.staleUntil <= envelope.freshUntil) return { state: 'missing' };
        fresh = false;
      }
    }
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
    return { state: fresh ? 'fresh' : 'stale', value, envelope };
  }

  /** Reads one store key (and its tags' versions); applies fail-open. */
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
