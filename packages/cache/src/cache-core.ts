import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type BaseBackend,
  hasTransferredSet,
  isBackendError,
  type Logger,
  logSafely,
  normalizeTtl,
  TRANSFERRED_SET,
  type TransferredSettable,
  toBackendError,
} from '@cachestack/core';
import type { CacheEventMap } from './cache-events.js';
import { TypedEmitter } from './cache-events.js';
import type { CorruptEntryPolicy } from './cache-options.js';
import { type CacheStats, emptyStats } from './cache-stats.js';
import { defaultSerializer, encodeDefaultAfter } from './default-serializer.js';
import {
  encodeTagBlock,
  envelopePrefixBytes,
  payloadAfter,
  writeEnvelopePrefix,
} from './entry-envelope.js';
import { EntryReader } from './entry-reader.js';
import type { ObjectTier } from './object-tier.js';
import { type Serializer, unserializableError } from './serializer.js';
import { type TagStamp, TagVersions } from './tag-versions.js';

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
  /** Where warnings go (corrupt entries dropped, stale served, lock trouble). */
  logger: Logger;
}

/**
 * An entry ready for the backend: its bytes (header and payload, in memory
 * allocated for this entry alone) and the backend TTL (ms).
 */
export interface EncodedEntry {
  bytes: Uint8Array;
  backendTtlMs: number | undefined;
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
  readonly events: TypedEmitter;
  /** The object tier, when the cache has one. */
  readonly objects: ObjectTier | undefined;
  readonly inflight = new Map<string, Promise<unknown>>();
  readonly #background = new Set<Promise<unknown>>();
  stats: CacheStats = emptyStats();
  /** Tag versions, stored through the same backend. */
  readonly tags: TagVersions;
  /** The read path (backend or object tier, envelope, tags, serializer). */
  readonly reader: EntryReader;
  /** The backend, when it keeps a handed-over array (core's transferred-write protocol). */
  readonly #transfer: TransferredSettable | undefined;

  constructor(settings: CacheCoreSettings, objects?: ObjectTier) {
    this.settings = settings;
    this.objects = objects;
    this.events = new TypedEmitter(settings.logger);
    this.tags = new TagVersions(settings.backend, settings.rootPrefix);
    this.reader = new EntryReader(this);
    this.#transfer = hasTransferredSet(settings.backend) ? settings.backend : undefined;
  }

  /** Logs through the cache's logger (never throws; never values). */
  log(
    level: 'debug' | 'info' | 'warn' | 'error',
    fields: Record<string, unknown>,
    message: string,
  ): void {
    logSafely(this.settings.logger, level, fields, message);
  }

  /**
   * Runs a write of `storeKey` (or of every key, with `undefined`), then
   * drops the object tier's copy and voids reads of it in progress, whether
   * the write succeeded or not.
   */
  async write<T>(storeKey: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      if (this.objects !== undefined) {
        if (storeKey === undefined) this.objects.invalidateAll();
        else this.objects.invalidate(storeKey);
      }
    }
  }

  /**
   * Writes an encoded entry: the backend's `set`, its failure classified,
   * counted and emitted ({@link CacheCore.call}), then the object tier's copy
   * dropped, whether the write succeeded or not ({@link CacheCore.write}),
   * then the `set` counted and emitted ({@link CacheCore.emitSet}), in one
   * step. `ttlMs`: the TTL the caller asked for, for the event.
   */
  async store(
    key: string,
    storeKey: string,
    encoded: EncodedEntry,
    ttlMs: number | undefined,
  ): Promise<void> {
    try {
      await this.setEncoded(storeKey, encoded);
    } catch (error) {
      throw this.#failed(error, 'set', storeKey);
    } finally {
      this.objects?.invalidate(storeKey);
    }
    this.emitSet(key, storeKey, ttlMs);
  }

  /**
   * The backend's `set` of an entry from {@link CacheCore.encode}, which
   * allocated its bytes for this one write: they are handed over (core's
   * transferred-write protocol) when the backend offers it, so a large entry
   * is kept without a copy. The caller must not touch `encoded.bytes` after.
   */
  setEncoded(storeKey: string, encoded: EncodedEntry): Promise<void> {
    const transfer = this.#transfer;
    if (transfer === undefined)
      return this.settings.backend.set(storeKey, encoded.bytes, encoded.backendTtlMs);
    return transfer[TRANSFERRED_SET](storeKey, encoded.bytes, encoded.backendTtlMs);
  }

  /** Counts and emits an error; returns it as a {@link @cachestack/core!BackendError | BackendError} when it is one. */
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
      throw this.#failed(error, operation, key);
    }
  }

  /** A backend failure, classified, counted and emitted (not handled: the caller rethrows it). */
  #failed(error: unknown, operation: string, key: string | undefined): BackendError {
    const classified = toBackendError(error, operation, key);
    this.report(classified, operation, key, false);
    return classified;
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
  ): EncodedEntry {
    const ttl = normalizeTtl(ttlMs ?? this.settings.defaultTtlMs, operation, storeKey);
    if (value === undefined) {
      throw unserializableError(
        'undefined cannot be cached (a read of it would look like a miss); store null instead',
        storeKey,
      );
    }
    const tagBlock = encodeTagBlock(stamps);
    const prefix = envelopePrefixBytes(tagBlock);
    const bytes = this.#serializeAfter(prefix, value, storeKey);
    if (ttl === undefined) {
      writeEnvelopePrefix(bytes, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, tagBlock);
      return { bytes, backendTtlMs: undefined };
    }
    const freshUntil = Date.now() + ttl;
    writeEnvelopePrefix(bytes, freshUntil, freshUntil + graceMs, tagBlock);
    return { bytes, backendTtlMs: ttl + graceMs };
  }

  /**
   * The serializer's bytes after `prefix` bytes left for the envelope, in
   * one allocation. The default serializer encodes in place; any other one's
   * result is copied behind the prefix.
   */
  #serializeAfter(prefix: number, value: unknown, storeKey: string): Buffer {
    const serializer = this.settings.serializer;
    let payload: Uint8Array;
    try {
      if (serializer === defaultSerializer) return encodeDefaultAfter(prefix, value);
      payload = serializer.serialize(value);
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
    return payloadAfter(prefix, payload);
  }

  /** Emits `set` when someone listens. */
  emitSet(key: string, storeKey: string, ttlMs: number | undefined): void {
    this.stats.sets++;
    if (this.events.has('set')) {
      this.events.emit('set', { key, storeKey, ttlMs: ttlMs ?? this.settings.defaultTtlMs });
    }
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

  /** Counts and emits a hit (`objectTier`: answered by the object tier) or a miss. */
  emitRead(hit: boolean, key: string, storeKey: string, objectTier = false): void {
    if (hit) {
      this.stats.hits++;
      if (objectTier) this.stats.objectTierHits++;
      if (this.events.has('hit')) this.events.emit('hit', { key, storeKey, objectTier });
    } else {
      this.stats.misses++;
      if (this.events.has('miss')) this.events.emit('miss', { key, storeKey });
    }
  }

  /** Emits an event payload when someone listens. */
  emit<E extends keyof CacheEventMap>(event: E, payload: () => CacheEventMap[E]): void {
    if (this.events.has(event)) this.events.emit(event, payload());
  }
}
