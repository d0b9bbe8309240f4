import {
  BORROWED_READ,
  type BorrowedReadable,
  hasBorrowedRead,
  hasLocalRead,
  isBatch,
  LOCAL_READ,
  LOCAL_READ_UNAVAILABLE,
  type LocalReadable,
  toBackendError,
} from '@cachestack/core';
import type { CacheCore } from './cache-core.js';
import { defaultSerializer } from './default-serializer.js';
import { decodeEnvelope, ENVELOPE_FLAG_TAGS, type Envelope } from './entry-envelope.js';
import { type HeldEntry, ObjectTier, type ReadTicket } from './object-tier.js';
import { corruptError } from './serializer.js';
import { type TagStamp, type TagVerdict, TagVersions } from './tag-versions.js';

/** Current versions of some tags, as read by {@link TagVersions.current}. */
type Versions = Awaited<ReturnType<TagVersions['current']>>;

/** What a read found (`objectTier`: the object tier answered, not the backend). @internal */
export type ReadResult =
  | { state: 'missing' }
  | { state: 'fresh'; value: unknown; objectTier: boolean }
  | { state: 'stale'; value: unknown };

const MISSING: ReadResult = Object.freeze({ state: 'missing' });

/**
 * The cache's read path: the object tier (when there is one), else the
 * backend, the entry header (freshness, corruption), the entry's tags (one
 * check for both) and the serializer. Fresh values decoded from the backend
 * are offered to the object tier. @internal
 */
export class EntryReader {
  readonly #core: CacheCore;
  /** The backend, when it answers reads synchronously (core's local-read protocol). */
  readonly #local: LocalReadable | undefined;
  /**
   * The backend, when it lends its stored bytes (core's borrowed-read
   * protocol) and the serializer is the default one, whose every branch
   * decodes into fresh values (strings, numbers, JSON, copied byte arrays)
   * and never keeps the bytes it is given. A custom serializer may return
   * views of its input (msgpackr does for binary), so it never borrows.
   */
  readonly #borrowed: BorrowedReadable | undefined;

  constructor(core: CacheCore) {
    this.#core = core;
    const backend = core.settings.backend;
    this.#local = hasLocalRead(backend) ? backend : undefined;
    this.#borrowed =
      hasBorrowedRead(backend) && core.settings.serializer === defaultSerializer
        ? backend
        : undefined;
  }

  /**
   * The object tier's entry for an untagged `storeKey`, found without
   * waiting (a tagged entry needs its tags checked: {@link EntryReader.read}).
   */
  held(storeKey: string): HeldEntry | undefined {
    const entry = this.#core.objects?.lookup(storeKey);
    return entry !== undefined && entry.stamps.length === 0 ? entry : undefined;
  }

  /**
   * {@link EntryReader.read}, answered without a promise when it can be: the
   * backend reads synchronously (core's local-read protocol, or its
   * borrowed-read protocol without a copy of the bytes, e.g. a
   * `MemoryBackend` with no time limit, delay or tracing subscriber), the
   * cache has no object tier and the entry is untagged and not corrupt.
   * Otherwise the promise of {@link EntryReader.read}. Never throws: a
   * failure is a rejected promise.
   */
  readNow(storeKey: string, operation: string): ReadResult | Promise<ReadResult> {
    const local = this.#local;
    const borrowed = this.#borrowed;
    if ((local === undefined && borrowed === undefined) || this.#core.objects !== undefined)
      return this.read(storeKey, operation);
    let bytes: Uint8Array | undefined | typeof LOCAL_READ_UNAVAILABLE;
    try {
      if (borrowed !== undefined) {
        const result = borrowed[BORROWED_READ](storeKey, (view) =>
          this.#resultOfBorrowed(view, storeKey, operation),
        );
        return result === LOCAL_READ_UNAVAILABLE ? this.read(storeKey, operation) : result;
      }
      bytes = (local as LocalReadable)[LOCAL_READ](storeKey);
    } catch (error) {
      try {
        return this.#readFailed(error, storeKey, operation);
      } catch (classified) {
        return Promise.reject(classified);
      }
    }
    if (bytes === LOCAL_READ_UNAVAILABLE) return this.read(storeKey, operation);
    return this.#resultOf(bytes, storeKey, operation, undefined);
  }

  /**
   * {@link EntryReader.readNow}'s result for bytes the backend lends only
   * for this call: an untagged entry is decoded now by the default
   * serializer into fresh values, so nothing returned keeps the view; a
   * tagged entry is decoded after its tag check, so it gets a copy of its
   * own first. Never throws: a failure is a rejected promise (so that
   * `readNow` tells it apart from the backend's own errors).
   */
  #resultOfBorrowed(
    view: Uint8Array | undefined,
    storeKey: string,
    operation: string,
  ): ReadResult | Promise<ReadResult> {
    try {
      const tagged = view !== undefined && view[1] === ENVELOPE_FLAG_TAGS;
      return this.#resultOf(tagged ? Buffer.from(view) : view, storeKey, operation, undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads one store key (and its tags' versions); applies fail-open.
   * `wantValue: false` (for `has`) skips cloning a held value.
   */
  async read(storeKey: string, operation: string, wantValue = true): Promise<ReadResult> {
    const core = this.#core;
    const objects = core.objects;
    if (objects !== undefined) {
      const entry = objects.lookup(storeKey);
      if (entry !== undefined) {
        const verdict =
          entry.stamps.length === 0 ? 'fresh' : await this.#tagVerdict(entry.stamps, operation);
        if (verdict === 'fresh') {
          const value = wantValue ? ObjectTier.serve(entry) : undefined;
          return { state: 'fresh', value, objectTier: true };
        }
        objects.invalidate(storeKey);
        // Tags changed: the backend may hold a newer entry (written with the new versions).
        if (verdict === undefined) return MISSING;
      }
    }
    const ticket = objects?.begin(storeKey);
    try {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await core.settings.backend.get(storeKey);
      } catch (error) {
        return this.#readFailed(error, storeKey, operation);
      }
      return await this.#resultOf(bytes, storeKey, operation, ticket);
    } finally {
      if (ticket !== undefined) objects?.end(storeKey, ticket);
    }
  }

  /** A failed backend read: classified, counted and emitted; a miss when failing open, else thrown. */
  #readFailed(error: unknown, storeKey: string, operation: string): ReadResult {
    this.#absorbOrThrow(error, operation, storeKey);
    return MISSING;
  }

  /** Classifies, counts and emits a failure; returns when the cache fails open, else throws it. */
  #absorbOrThrow(error: unknown, operation: string, storeKey: string | undefined): void {
    const core = this.#core;
    const classified = toBackendError(error, operation, storeKey);
    core.report(classified, operation, storeKey, core.settings.failOpen);
    if (!core.settings.failOpen) throw classified;
  }

  /**
   * What stored `bytes` (or `undefined`: missing) hold, now when that needs
   * no more I/O, else a promise (a tag check, a corrupt entry's deletion).
   */
  #resultOf(
    bytes: Uint8Array | undefined,
    storeKey: string,
    operation: string,
    ticket: ReadTicket | undefined,
  ): ReadResult | Promise<ReadResult> {
    if (bytes === undefined) return MISSING;
    const now = Date.now();
    const envelope = this.#envelope(bytes, storeKey, operation, now);
    if (envelope === undefined) return MISSING;
    if (envelope instanceof Promise) return envelope.then(() => MISSING);
    return this.#finish(envelope, storeKey, operation, undefined, ticket, now);
  }

  /**
   * Reads several store keys: untagged keys the object tier holds are
   * answered from it; the others in one `getMany` when the backend offers
   * Batch (their tags' versions in one more batched call), else one by one.
   */
  async readMany(storeKeys: readonly string[], operation: string): Promise<ReadResult[]> {
    const core = this.#core;
    const backend = core.settings.backend;
    if (!isBatch(backend)) {
      return Promise.all(storeKeys.map((storeKey) => this.read(storeKey, operation)));
    }
    const objects = core.objects;
    const results: ReadResult[] = new Array(storeKeys.length);
    const rest: number[] = [];
    storeKeys.forEach((storeKey, i) => {
      const entry = objects?.lookup(storeKey);
      if (entry !== undefined && entry.stamps.length === 0) {
        results[i] = { state: 'fresh', value: ObjectTier.serve(entry), objectTier: true };
      } else {
        rest.push(i);
      }
    });
    if (rest.length === 0) return results;
    const restKeys = rest.map((i) => storeKeys[i] as string);
    const tickets = objects === undefined ? undefined : restKeys.map((key) => objects.begin(key));
    try {
      let bytes: (Uint8Array | undefined)[];
      try {
        bytes = await backend.getMany(restKeys);
      } catch (error) {
        const classified = toBackendError(error, 'getMany');
        core.report(classified, 'getMany', undefined, core.settings.failOpen);
        if (!core.settings.failOpen) throw classified;
        bytes = restKeys.map(() => undefined);
      }
      const decoded = await this.#decodeMany(bytes, restKeys, operation, tickets);
      rest.forEach((index, j) => {
        results[index] = decoded[j] as ReadResult;
      });
    } finally {
      if (tickets !== undefined) {
        for (const [j, ticket] of tickets.entries()) objects?.end(restKeys[j] as string, ticket);
      }
    }
    return results;
  }

  /** Decodes several reads; the versions of every tag they carry are read in one batched call. */
  async #decodeMany(
    bytes: readonly (Uint8Array | undefined)[],
    storeKeys: readonly string[],
    operation: string,
    tickets: readonly ReadTicket[] | undefined,
  ): Promise<ReadResult[]> {
    const envelopes = await Promise.all(
      storeKeys.map((storeKey, i) => this.#envelope(bytes[i], storeKey, operation, Date.now())),
    );
    const tags = new Set<string>();
    for (const envelope of envelopes)
      for (const stamp of envelope?.stamps ?? []) tags.add(stamp.tag);
    const versions = tags.size === 0 ? new Map() : await this.#versions([...tags], operation);
    return Promise.all(
      envelopes.map((envelope, i) =>
        envelope === undefined || versions === undefined
          ? MISSING
          : this.#finish(
              envelope,
              storeKeys[i] as string,
              operation,
              versions,
              tickets?.[i],
              Date.now(),
            ),
      ),
    );
  }

  /**
   * What an entry's tags say now: `undefined` when their versions could
   * not be read and the cache fails open. `given`: versions read beforehand.
   */
  async #tagVerdict(
    stamps: readonly TagStamp[],
    operation: string,
    given?: Versions,
  ): Promise<TagVerdict | undefined> {
    const versions =
      given ??
      (await this.#versions(
        stamps.map((stamp) => stamp.tag),
        operation,
      ));
    return versions === undefined ? undefined : TagVersions.verdict(stamps, versions);
  }

  /** Reads tag versions; `undefined` when that failed and the cache fails open. */
  async #versions(tags: readonly string[], operation: string): Promise<Versions | undefined> {
    try {
      return await this.#core.tags.current(tags);
    } catch (error) {
      this.#absorbOrThrow(error, operation, undefined);
      return undefined;
    }
  }

  /**
   * The envelope of stored bytes; `undefined` when there are none or they
   * are past their stale-until time at `now` (epoch ms); for corrupt bytes, the promise of the
   * corrupt-entry policy (it rejects with `onCorrupt: 'throw'`).
   */
  #envelope(
    bytes: Uint8Array | undefined,
    storeKey: string,
    operation: string,
    now: number,
  ): Envelope | undefined | Promise<undefined> {
    if (bytes === undefined) return undefined;
    const envelope = decodeEnvelope(bytes);
    if (typeof envelope === 'string') {
      return this.#corrupt(envelope, envelope, storeKey, operation).then(() => undefined);
    }
    return now >= envelope.staleUntil ? undefined : envelope;
  }

  /**
   * The result of a live envelope at time `now` (epoch ms): at once for an
   * untagged entry, after its tag check otherwise.
   */
  #finish(
    envelope: Envelope,
    storeKey: string,
    operation: string,
    given: Versions | undefined,
    ticket: ReadTicket | undefined,
    now: number,
  ): ReadResult | Promise<ReadResult> {
    const fresh = now < envelope.freshUntil;
    if (envelope.stamps.length === 0)
      return this.#decode(envelope, fresh, storeKey, operation, ticket);
    return this.#finishTagged(envelope, fresh, storeKey, operation, given, ticket);
  }

  async #finishTagged(
    envelope: Envelope,
    fresh: boolean,
    storeKey: string,
    operation: string,
    given: Versions | undefined,
    ticket: ReadTicket | undefined,
  ): Promise<ReadResult> {
    const verdict = await this.#tagVerdict(envelope.stamps, operation, given);
    if (verdict === undefined || verdict === 'invalidated') return MISSING;
    if (verdict === 'expired') {
      // Soft-expired: servable stale only by entries written with a grace period.
      if (envelope.staleUntil <= envelope.freshUntil) return MISSING;
      return this.#decode(envelope, false, storeKey, operation, ticket);
    }
    return this.#decode(envelope, fresh, storeKey, operation, ticket);
  }

  /** Runs the serializer; offers a fresh value to the object tier. A promise only for a corrupt entry. */
  #decode(
    envelope: Envelope,
    fresh: boolean,
    storeKey: string,
    operation: string,
    ticket: ReadTicket | undefined,
  ): ReadResult | Promise<ReadResult> {
    let value: unknown;
    try {
      value = this.#core.settings.serializer.deserialize(envelope.payload);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const reason = 'the serializer could not decode the value';
      return this.#corrupt(`${reason}: ${detail}`, reason, storeKey, operation, error);
    }
    if (!fresh) return { state: 'stale', value };
    if (ticket !== undefined) {
      const { freshUntil, stamps, payload } = envelope;
      const held = this.#core.objects?.hold(
        storeKey,
        ticket,
        value,
        freshUntil,
        stamps,
        payload.byteLength,
      );
      if (held !== undefined)
        return { state: 'fresh', value: ObjectTier.serve(held), objectTier: false };
    }
    return { state: 'fresh', value, objectTier: false };
  }

  /**
   * Applies the corrupt-entry policy. `logReason` is what the log says: it
   * never carries the serializer's message, which may quote the bytes.
   */
  async #corrupt(
    reason: string,
    logReason: string,
    storeKey: string,
    operation: string,
    cause?: unknown,
  ): Promise<ReadResult> {
    const core = this.#core;
    const error = corruptError(reason, storeKey, cause);
    if (core.settings.onCorrupt === 'throw') {
      core.report(error, operation, storeKey, false);
      throw error;
    }
    core.report(error, operation, storeKey, true);
    core.log(
      'warn',
      { key: storeKey, operation, code: error.code, reason: logReason },
      'corrupt cache entry dropped (read as a miss)',
    );
    try {
      await core.settings.backend.delete(storeKey);
    } catch (deleteError) {
      core.report(toBackendError(deleteError, 'delete', storeKey), 'delete', storeKey, true);
    }
    return MISSING;
  }
}
