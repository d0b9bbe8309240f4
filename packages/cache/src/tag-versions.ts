import { randomBytes } from 'node:crypto';
import { type BaseBackend, isBatch } from '@cachestack/core';
import { RESERVED_KEY_CHARACTER } from './tags.js';

/** First byte of a stored tag version (distinct from the entry envelope's). */
const VERSION_MAGIC = 0xcb;
/** Bytes of a random version token. */
export const TOKEN_BYTES = 8;

/** Which invalidation a version key records. */
export type TagVersionKind = 'invalidate' | 'expire';

/** The versions of one tag an entry observed when it was written. @internal */
export interface TagStamp {
  tag: string;
  /** Version of the tag's `invalidateTags` key (hex). */
  hard: string;
  /** Version of the tag's `expireTags` key (hex). */
  soft: string;
}

/** What the tags of an entry say about it now. @internal */
export type TagVerdict = 'fresh' | 'expired' | 'invalidated';

/** A version token nothing stored can equal (unreadable version bytes). */
const UNREADABLE = 'unreadable';

function newToken(): Uint8Array {
  return new Uint8Array(randomBytes(TOKEN_BYTES));
}

function encodeVersion(token: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + TOKEN_BYTES);
  out[0] = VERSION_MAGIC;
  out.set(token, 1);
  return out;
}

function decodeVersion(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  if (bytes.byteLength !== 1 + TOKEN_BYTES || bytes[0] !== VERSION_MAGIC) return UNREADABLE;
  return Buffer.from(bytes.buffer, bytes.byteOffset + 1, TOKEN_BYTES).toString('hex');
}

/**
 * Tag versions stored as ordinary entries of the cache's backend, under a
 * reserved key space (`${rootPrefix}\0tag\0i\0${tag}` and `…\0e\0…`) that
 * no cache key can reach. An entry records the versions of its tags when it
 * is written; `invalidateTags` / `expireTags` write a new random version
 * (one write per tag); a read compares. A missing version key (never
 * written, or evicted) is a version too: "absent" never equals a stored
 * version, so eviction of a version key can only invalidate, never revive.
 * @internal
 */
export class TagVersions {
  readonly #backend: BaseBackend;
  readonly #prefix: string;

  constructor(backend: BaseBackend, rootPrefix: string) {
    this.#backend = backend;
    this.#prefix = `${rootPrefix}${RESERVED_KEY_CHARACTER}tag${RESERVED_KEY_CHARACTER}`;
  }

  /** The backend key holding the `kind` version of `tag`. */
  keyOf(tag: string, kind: TagVersionKind): string {
    return `${this.#prefix}${kind === 'invalidate' ? 'i' : 'e'}${RESERVED_KEY_CHARACTER}${tag}`;
  }

  /** Reads the current versions of `tags` in one batched call (parallel gets without Batch). */
  async current(tags: readonly string[]): Promise<Map<string, { hard?: string; soft?: string }>> {
    const keys: string[] = [];
    for (const tag of tags) keys.push(this.keyOf(tag, 'invalidate'), this.keyOf(tag, 'expire'));
    const bytes = await this.#readKeys(keys);
    const out = new Map<string, { hard?: string; soft?: string }>();
    tags.forEach((tag, i) => {
      const hard = decodeVersion(bytes[2 * i]);
      const soft = decodeVersion(bytes[2 * i + 1]);
      out.set(tag, { hard, soft });
    });
    return out;
  }

  /**
   * The versions of `tags` now, for an entry about to be written. Versions
   * never written yet (or unreadable) are created (so that later reads, an L1 among them,
   * find them). Two first writers racing may invalidate each other's
   * entries: a spurious miss, never a stale hit.
   */
  async observe(tags: readonly string[]): Promise<TagStamp[]> {
    if (tags.length === 0) return [];
    const versions = await this.current(tags);
    const created: { key: string; value: Uint8Array }[] = [];
    const stamps = tags.map((tag) => {
      const found = versions.get(tag) ?? {};
      const stamp = { tag, hard: found.hard ?? '', soft: found.soft ?? '' };
      for (const [kind, field] of [
        ['invalidate', 'hard'],
        ['expire', 'soft'],
      ] as const) {
        if (found[field] !== undefined && found[field] !== UNREADABLE) continue;
        const token = newToken();
        stamp[field] = Buffer.from(token).toString('hex');
        created.push({ key: this.keyOf(tag, kind), value: encodeVersion(token) });
      }
      return stamp;
    });
    await this.#writeKeys(created);
    return stamps;
  }

  /** Writes a new version of each tag: one write per tag, whatever the number of entries. */
  async bump(tags: readonly string[], kind: TagVersionKind): Promise<void> {
    await this.#writeKeys(
      tags.map((tag) => ({ key: this.keyOf(tag, kind), value: encodeVersion(newToken()) })),
    );
  }

  /** Compares an entry's stamps with current versions. */
  static verdict(
    stamps: readonly TagStamp[],
    versions: Map<string, { hard?: string; soft?: string }>,
  ): TagVerdict {
    let verdict: TagVerdict = 'fresh';
    for (const stamp of stamps) {
      const now = versions.get(stamp.tag);
      if (now?.hard !== stamp.hard) return 'invalidated';
      if (now.soft !== stamp.soft) verdict = 'expired';
    }
    return verdict;
  }

  async #readKeys(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    const backend = this.#backend;
    if (keys.length === 0) return [];
    if (isBatch(backend)) return backend.getMany(keys);
    return Promise.all(keys.map((key) => backend.get(key)));
  }

  async #writeKeys(entries: { key: string; value: Uint8Array }[]): Promise<void> {
    const backend = this.#backend;
    if (entries.length === 0) return;
    if (entries.length > 1 && isBatch(backend)) {
      await backend.setMany(entries);
      return;
    }
    await Promise.all(entries.map((entry) => backend.set(entry.key, entry.value)));
  }
}
