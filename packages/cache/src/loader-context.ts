import { normalizeRequiredTtl } from '@cachestack/core';
import type { CacheCore } from './cache-core.js';
import type { TagStamp } from './tag-versions.js';
import { MAX_TAGS_PER_ENTRY, normalizeTags } from './tags.js';

/**
 * What a {@link Cache.getOrSet} loader receives: it lets the loader choose
 * the entry's tags and TTL from the value it loaded ("adaptive caching").
 *
 * @example
 * ```ts
 * await cache.getOrSet(`post:${id}`, async (ctx) => {
 *   ctx.addTags([`user:${userId}`]); // declare early: versions are observed now
 *   const post = await db.posts.find(id);
 *   ctx.addTags(post.tagIds.map((t) => `tag:${t}`));
 *   ctx.setTtl(post.published ? 3_600_000 : 10_000);
 *   return post;
 * }, { tags: ['posts'] });
 * ```
 */
export interface LoaderContext {
  /** The key being loaded (without namespace prefix). */
  readonly key: string;
  /**
   * Adds tags to the entry, on top of {@link GetOrSetOptions.tags}. The tags'
   * versions are observed when this is called: an invalidation of them after
   * this call (during the rest of the load) leaves the stored entry stale on
   * arrival, so call it as early as the loader knows the tags. Duplicates
   * are ignored; at most {@link MAX_TAGS_PER_ENTRY} distinct tags in all.
   * @throws BackendError PERMANENT `INVALID_TAG` for a bad tag (the load
   *   fails and nothing is stored).
   */
  addTags(tags: readonly string[]): void;
  /**
   * Sets the fresh lifetime of the loaded value in ms (finite, > 0;
   * fractions round up), replacing {@link GetOrSetOptions.ttlMs}.
   * {@link GetOrSetOptions.graceMs} still applies after it.
   * @throws BackendError PERMANENT `INVALID_TTL`.
   */
  setTtl(ttlMs: number): void;
  /** The tags added so far with {@link LoaderContext.addTags}. */
  readonly tags: readonly string[];
}

/** A loader context and what it collected. @internal */
export interface LoaderContextHandle {
  api: LoaderContext;
  /** The TTL the loader chose, if any. */
  readonly ttlMs: number | undefined;
  /** Stops accepting changes (the loader returned). */
  close(): void;
  /**
   * Stamps of the loader's tags (those not in `optionTags`), observed when
   * they were added; `undefined` when that failed and the cache fails open.
   * @throws BackendError `INVALID_TAG` when the tags in all exceed the bound.
   */
  stamps(optionTags: readonly string[]): Promise<TagStamp[] | undefined>;
}

const OPERATION = 'getOrSet';

/** Creates the context for one loader call. @internal */
export function createLoaderContext(
  core: CacheCore,
  key: string,
  storeKey: string,
): LoaderContextHandle {
  const added = new Map<string, Promise<TagStamp[] | undefined>>();
  let ttlMs: number | undefined;
  let closed = false;
  const api: LoaderContext = {
    key,
    addTags(tags) {
      const valid = normalizeTags(tags, OPERATION).filter((tag) => !added.has(tag));
      if (closed || valid.length === 0) return;
      const pending = core.observeTags(valid, storeKey, OPERATION);
      pending.catch(() => undefined);
      for (const tag of valid) added.set(tag, pending);
    },
    setTtl(value) {
      const normalized = normalizeRequiredTtl(value, OPERATION, storeKey);
      if (!closed) ttlMs = normalized;
    },
    get tags() {
      return [...added.keys()];
    },
  };
  return {
    api,
    get ttlMs() {
      return ttlMs;
    },
    close() {
      closed = true;
    },
    async stamps(optionTags) {
      const own = [...added.keys()].filter((tag) => !optionTags.includes(tag));
      normalizeTags([...optionTags, ...own], OPERATION);
      const batches = await Promise.all(new Set(added.values()));
      if (batches.some((batch) => batch === undefined)) return undefined;
      const byTag = new Map<string, TagStamp>();
      for (const batch of batches) for (const stamp of batch ?? []) byTag.set(stamp.tag, stamp);
      return own.map((tag) => byTag.get(tag) as TagStamp);
    },
  };
}
