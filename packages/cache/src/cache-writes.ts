import { CapabilityNotAvailableError, isBatch, isClearable, isKeyIterable } from '@cachestack/core';
import { type CacheCore, invalidArgument } from './cache-core.js';
import type { CacheSetManyEntry } from './cache-options.js';
import { checkCallOptions, SET_MANY_ENTRY_NAMES } from './call-options.js';
import { normalizeTags } from './tags.js';

/** Keys deleted per backend call when clearing a namespace. */
const CLEAR_CHUNK = 500;

/**
 * {@link Cache.set} with tags (after the untagged encoding validated the TTL
 * and the value): the current versions of `tags` are read first (one
 * batched call) and stored inside the entry, in the same single write.
 * @internal
 */
export async function setTagged(
  core: CacheCore,
  key: string,
  storeKey: string,
  value: unknown,
  ttlMs: number | undefined,
  tags: readonly string[],
): Promise<void> {
  const stamps = await core.call('set', storeKey, () => core.tags.observe(tags));
  const encoded = core.encode(value, storeKey, 'set', ttlMs, 0, stamps);
  await core.store(key, storeKey, encoded, ttlMs);
}

/**
 * {@link Cache.setMany}: validates and serializes every entry first, reads
 * the versions of all their tags in one call, then writes them in one
 * `setMany` (Batch) or concurrent sets; the object tier drops its copies of
 * the keys once the write settled. @internal
 */
export async function setManyEntries<T>(
  core: CacheCore,
  entries: readonly CacheSetManyEntry<T>[],
  storeKeyOf: (key: string) => string,
): Promise<void> {
  if (!Array.isArray(entries)) throw invalidArgument('entries must be an array', 'setMany');
  const prepared = entries.map((entry) => {
    if (typeof entry !== 'object' || entry === null) {
      throw invalidArgument('each entry must be { key, value, ttlMs? }', 'setMany');
    }
    const storeKey = storeKeyOf(entry.key);
    checkCallOptions(entry, SET_MANY_ENTRY_NAMES, 'setMany', storeKey);
    const tags = entry.tags === undefined ? [] : normalizeTags(entry.tags, 'setMany');
    const encoded = core.encode(entry.value, storeKey, 'setMany', entry.ttlMs);
    return { key: entry.key, storeKey, ...encoded, ttlMs: entry.ttlMs, value: entry.value, tags };
  });
  const allTags = [...new Set(prepared.flatMap((p) => p.tags))];
  if (allTags.length > 0) {
    const stamps = await core.call('setMany', undefined, () => core.tags.observe(allTags));
    const byTag = new Map(stamps.map((stamp) => [stamp.tag, stamp]));
    for (const p of prepared) {
      if (p.tags.length === 0) continue;
      const own = p.tags.map((tag) => byTag.get(tag) as (typeof stamps)[number]);
      Object.assign(p, core.encode(p.value, p.storeKey, 'setMany', p.ttlMs, 0, own));
    }
  }
  const backend = core.settings.backend;
  try {
    await core.call('setMany', undefined, async () => {
      if (isBatch(backend)) {
        await backend.setMany(
          prepared.map((p) => ({ key: p.storeKey, value: p.bytes, ttlMs: p.backendTtlMs })),
        );
      } else {
        await Promise.all(prepared.map((p) => backend.set(p.storeKey, p.bytes, p.backendTtlMs)));
      }
    });
  } finally {
    for (const p of prepared) core.objects?.invalidate(p.storeKey);
  }
  for (const p of prepared) core.emitSet(p.key, p.storeKey, p.ttlMs);
}

/**
 * {@link Cache.clear}: the root cache (`prefix` `''`) uses the backend's
 * `clear()` when it is Clearable; otherwise every key under `prefix` is
 * listed (KeyIterable) and deleted in chunks. The object tier is emptied
 * once it settled.
 * @throws CapabilityNotAvailableError when the backend offers neither. @internal
 */
export function clearEntries(core: CacheCore, prefix: string): Promise<void> {
  const backend = core.settings.backend;
  return core.write(undefined, async () => {
    if (prefix === '' && isClearable(backend)) {
      await core.call('clear', undefined, () => backend.clear());
      return;
    }
    if (!isKeyIterable(backend)) {
      throw new CapabilityNotAvailableError(prefix === '' ? 'clear' : 'keys', backend.backendType);
    }
    await core.call('clear', undefined, async () => {
      const keys: string[] = [];
      for await (const key of backend.keys(prefix === '' ? undefined : prefix)) keys.push(key);
      for (let i = 0; i < keys.length; i += CLEAR_CHUNK) {
        const chunk = keys.slice(i, i + CLEAR_CHUNK);
        if (isBatch(backend)) await backend.deleteMany(chunk);
        else await Promise.all(chunk.map((key) => backend.delete(key)));
      }
    });
  });
}
