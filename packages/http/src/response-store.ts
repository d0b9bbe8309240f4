import { randomBytes } from 'node:crypto';
import type { Cache } from '@cachestack/cache';
import { metaKey, normalizeHeaderNames, variantKey, varyMatches } from './cache-key.js';
import { isStoredResponse, type StoredResponse } from './stored-response.js';

/** Per-resource record: the generation in every variant key, and the `Vary` names learned from responses. */
export interface ResourceMeta {
  generation: string;
  vary: string[];
}

/** Lifetime of a per-resource record, in ms. When it lapses, old variants are orphaned (a miss), never wrong. */
const META_TTL_MS = 86_400_000;

function newGeneration(): string {
  return randomBytes(9).toString('base64url');
}

function isMeta(value: unknown): value is ResourceMeta {
  const meta = value as ResourceMeta | undefined;
  return (
    typeof meta === 'object' &&
    meta !== null &&
    typeof meta.generation === 'string' &&
    Array.isArray(meta.vary)
  );
}

/**
 * Where {@link HttpCache} keeps responses in a facade {@link @cachestack/cache!Cache | Cache}: one
 * record per resource (generation + learned `Vary` names) and one entry per
 * representation, keyed by the request's values of those names. Reads check
 * the selecting headers stored with the entry, so a key collision can never
 * serve a wrong variant. @internal
 */
export class ResponseStore {
  readonly #cache: Cache;

  constructor(cache: Cache) {
    this.#cache = cache;
  }

  /** The facade cache (for single-flight loads). */
  get cache(): Cache {
    return this.#cache;
  }

  /** The record of `resourceKey`, created (with a new generation) when missing. */
  async meta(resourceKey: string): Promise<ResourceMeta> {
    const key = metaKey(resourceKey);
    const meta = await this.#cache.getOrSet<unknown>(
      key,
      () => ({ generation: newGeneration(), vary: [] }),
      { ttlMs: META_TTL_MS },
    );
    if (isMeta(meta)) return meta;
    const fresh: ResourceMeta = { generation: newGeneration(), vary: [] };
    await this.#cache.set(key, fresh, { ttlMs: META_TTL_MS });
    return fresh;
  }

  /** Store key of the representation `headers` select. */
  variantKey(
    resourceKey: string,
    meta: ResourceMeta,
    routeVary: readonly string[],
    headers: Headers,
  ): string {
    return variantKey(
      resourceKey,
      meta.generation,
      normalizeHeaderNames([...routeVary, ...meta.vary]),
      headers,
    );
  }

  /** The stored response under `key` whose selecting headers match `headers`, if any. */
  async lookup(key: string, headers: Headers): Promise<StoredResponse | undefined> {
    const found = await this.#cache.get<unknown>(key);
    if (!isStoredResponse(found) || !varyMatches(found.selecting, headers)) return undefined;
    return found;
  }

  /**
   * Stores `entry` for the request with `headers`, first learning the `Vary`
   * names it selects on, for `ttlMs`.
   */
  async write(
    resourceKey: string,
    meta: ResourceMeta,
    entry: StoredResponse,
    headers: Headers,
    ttlMs: number,
  ): Promise<void> {
    const names = entry.selecting.map(([name]) => name);
    let current = meta;
    if (names.some((name) => !meta.vary.includes(name))) {
      const found = await this.#cache.get<unknown>(metaKey(resourceKey));
      const base = isMeta(found) ? found : meta;
      current = {
        generation: base.generation,
        vary: normalizeHeaderNames([...base.vary, ...names]),
      };
      await this.#cache.set(metaKey(resourceKey), current, { ttlMs: META_TTL_MS });
    }
    const key = variantKey(
      resourceKey,
      current.generation,
      normalizeHeaderNames(current.vary),
      headers,
    );
    await this.#cache.set(key, entry, {
      ttlMs: Math.max(1000, Math.ceil(ttlMs)),
      tags: entry.tags,
    });
  }

  /** Makes every stored representation of `resourceKey` unreachable (a new generation). */
  async invalidate(resourceKey: string): Promise<void> {
    const key = metaKey(resourceKey);
    const current = await this.#cache.get<unknown>(key);
    const vary = isMeta(current) ? current.vary : [];
    await this.#cache.set(key, { generation: newGeneration(), vary }, { ttlMs: META_TTL_MS });
  }
}
