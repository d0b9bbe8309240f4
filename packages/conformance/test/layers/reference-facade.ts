import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8';
import { BackendError } from '@cachestack/core';
import type {
  CacheFacade,
  FacadeEventName,
  FacadeSerializer,
  FacadeStats,
} from '../../src/index.js';

/** One deliberate defect of {@link ReferenceFacade}; each breaks one rule of the facade kit. */
export type FacadeDefect =
  | 'negative-zero-lost'
  | 'buffer-as-uint8array'
  | 'holes-filled'
  | 'encoding-drift'
  | 'unsupported-stored'
  | 'no-depth-limit'
  | 'no-single-flight'
  | 'one-flight-for-all-keys'
  | 'error-to-first-waiter-only'
  | 'reload-after-hit'
  | 'delete-of-missing-counted'
  | 'joiners-counted-as-loads'
  | 'delete-event-existed-always-true'
  | 'tags-invalidated-per-instance'
  | 'invalidate-clears-everything'
  | 'invalidated-tag-poisoned';

/** The reference facade's documented nesting limit. */
export const REFERENCE_MAX_DEPTH = 64;

interface StoredEntry {
  bytes: Uint8Array;
  tags: Record<string, number>;
}

/** One shared store: entries, tag versions and poisoned tags. */
export interface ReferenceStore {
  entries: Map<string, StoredEntry>;
  versions: Map<string, number>;
  poisoned: Set<string>;
}

/** A fresh, empty shared store. */
export function createReferenceStore(): ReferenceStore {
  return { entries: new Map(), versions: new Map(), poisoned: new Set() };
}

function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (
      typeof node !== 'object' ||
      node === null ||
      ArrayBuffer.isView(node) ||
      node instanceof Date
    )
      continue;
    deepest = Math.max(deepest, depth);
    const children =
      node instanceof Map
        ? [...node.keys(), ...node.values()]
        : node instanceof Set
          ? [...node]
          : Object.values(node);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return deepest;
}

function invalidValue(message: string): BackendError {
  return new BackendError({
    type: 'PERMANENT',
    code: 'INVALID_VALUE',
    message,
    operation: 'serialize',
  });
}

/** The reference serializer: v8 structured clone, with a depth limit and `Int16Array` unsupported. */
export function referenceSerializer(
  defects: ReadonlySet<FacadeDefect> = new Set(),
): FacadeSerializer {
  return {
    serialize(value: unknown): Uint8Array {
      let input = value;
      if (value instanceof Int16Array) {
        if (!defects.has('unsupported-stored')) throw invalidValue('Int16Array is not supported');
        input = Array.from(value);
      }
      if (!defects.has('no-depth-limit') && depthOf(input) > REFERENCE_MAX_DEPTH) {
        throw invalidValue(`nested deeper than ${REFERENCE_MAX_DEPTH}`);
      }
      if (defects.has('negative-zero-lost') && Object.is(input, -0)) input = 0;
      if (defects.has('holes-filled') && Array.isArray(input)) input = Array.from(input);
      const bytes = new Uint8Array(v8Serialize(input));
      if (!defects.has('encoding-drift')) return bytes;
      const drifted = new Uint8Array(bytes.byteLength + 1);
      drifted.set(bytes, 1);
      return drifted;
    },
    deserialize(bytes: Uint8Array): unknown {
      // A drifted writer whose reader still accepts the old format: only the golden encode case sees it.
      const body = bytes[0] === 0 ? bytes.subarray(1) : bytes;
      const value: unknown = v8Deserialize(body);
      if (defects.has('buffer-as-uint8array') && Buffer.isBuffer(value))
        return new Uint8Array(value);
      return value;
    },
  };
}

const TAG_PREFIX = '\u0000tag\u0000';

/**
 * A small, correct typed cache facade over a shared in-process store, for
 * the kit's self-test; `defect` breaks exactly one rule.
 */
export class ReferenceFacade implements CacheFacade {
  readonly #store: ReferenceStore;
  readonly #defects: ReadonlySet<FacadeDefect>;
  readonly #serializer: FacadeSerializer;
  readonly #flights = new Map<string, Promise<unknown>>();
  readonly #localVersions = new Map<string, number>();
  readonly #listeners = new Map<
    FacadeEventName,
    ((payload: { key: string; existed?: boolean }) => void)[]
  >();
  #stats: FacadeStats = {
    hits: 0,
    misses: 0,
    sets: 0,
    deletes: 0,
    loaderCalls: 0,
    stampedesAvoided: 0,
  };

  constructor(store: ReferenceStore, defect?: FacadeDefect) {
    this.#store = store;
    this.#defects = new Set(defect === undefined ? [] : [defect]);
    this.#serializer = referenceSerializer(this.#defects);
  }

  async get(key: string): Promise<unknown> {
    const value = this.#read(key);
    this.#emit(value === undefined ? 'miss' : 'hit', { key });
    if (value === undefined) this.#stats.misses++;
    else this.#stats.hits++;
    return value;
  }

  async set(
    key: string,
    value: unknown,
    options: { tags?: readonly string[] } = {},
  ): Promise<void> {
    const bytes = this.#serializer.serialize(value);
    const tags = Object.fromEntries((options.tags ?? []).map((tag) => [tag, this.#version(tag)]));
    this.#store.entries.set(key, { bytes, tags });
    this.#stats.sets++;
    this.#emit('set', { key });
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.#store.entries.delete(key);
    if (existed || this.#defects.has('delete-of-missing-counted')) this.#stats.deletes++;
    this.#emit('delete', {
      key,
      existed: this.#defects.has('delete-event-existed-always-true') || existed,
    });
    return existed;
  }

  async getOrSet(
    key: string,
    loader: () => Promise<unknown>,
    options: { tags?: readonly string[] } = {},
  ): Promise<unknown> {
    if (!this.#defects.has('reload-after-hit')) {
      const found = await this.get(key);
      if (found !== undefined) return found;
    } else {
      this.#stats.misses++;
      this.#emit('miss', { key });
    }
    const flightKey = this.#defects.has('one-flight-for-all-keys') ? '' : key;
    const running = this.#defects.has('no-single-flight')
      ? undefined
      : this.#flights.get(flightKey);
    if (running !== undefined) {
      this.#stats.stampedesAvoided++;
      if (this.#defects.has('joiners-counted-as-loads')) this.#stats.loaderCalls++;
      return this.#defects.has('error-to-first-waiter-only')
        ? running.catch(() => undefined)
        : running;
    }
    this.#stats.loaderCalls++;
    const flight = (async () => {
      try {
        const value = await loader();
        await this.set(key, value, options);
        return value;
      } finally {
        this.#flights.delete(flightKey);
      }
    })();
    this.#flights.set(flightKey, flight);
    return flight;
  }

  stats(): FacadeStats {
    return { ...this.#stats };
  }

  resetStats(): void {
    this.#stats = { hits: 0, misses: 0, sets: 0, deletes: 0, loaderCalls: 0, stampedesAvoided: 0 };
  }

  on(
    event: FacadeEventName,
    listener: (payload: { key: string; existed?: boolean }) => void,
  ): void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
  }

  async invalidateTags(tags: readonly string[]): Promise<void> {
    if (this.#defects.has('invalidate-clears-everything')) this.#store.entries.clear();
    for (const tag of tags) {
      if (this.#defects.has('invalidated-tag-poisoned')) this.#store.poisoned.add(tag);
      const versions = this.#defects.has('tags-invalidated-per-instance')
        ? this.#localVersions
        : this.#store.versions;
      versions.set(TAG_PREFIX + tag, this.#version(tag) + 1);
    }
  }

  #version(tag: string): number {
    const versions = this.#defects.has('tags-invalidated-per-instance')
      ? this.#localVersions
      : this.#store.versions;
    return versions.get(TAG_PREFIX + tag) ?? 0;
  }

  #read(key: string): unknown {
    const entry = this.#store.entries.get(key);
    if (entry === undefined) return undefined;
    for (const [tag, version] of Object.entries(entry.tags)) {
      if (this.#store.poisoned.has(tag) || this.#version(tag) !== version) return undefined;
    }
    return this.#serializer.deserialize(entry.bytes);
  }

  #emit(event: FacadeEventName, payload: { key: string; existed?: boolean }): void {
    for (const listener of this.#listeners.get(event) ?? []) listener(payload);
  }
}
