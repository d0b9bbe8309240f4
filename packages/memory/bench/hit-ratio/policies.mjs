// The caches a trace is replayed through. Each replay does what an application
// does: `get`, and on a miss `set` (an empty value: traces carry no sizes).
// The policy cores (EntryStore, TinyLfuEntryStore) are bundled from src/ with
// tsup, so the replay runs without a promise per access; the real
// MemoryBackend (the built dist) is replayed too, awaited like an application.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LRUCache } from 'lru-cache';

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const CORE_DIR = `${PACKAGE_DIR}node_modules/.cache/hit-ratio-core/`;

/** Bundles the policy cores from src/ and imports them. */
export async function loadCores() {
  const { build } = await import('tsup');
  await build({
    entry: {
      'entry-store': `${PACKAGE_DIR}src/entry-store.ts`,
      'tinylfu-entry-store': `${PACKAGE_DIR}src/eviction/tinylfu-entry-store.ts`,
    },
    outDir: CORE_DIR,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    config: false,
    dts: false,
    silent: true,
    clean: true,
    external: ['lru-cache', '@cachestack/core'],
  });
  const { EntryStore } = await import(`${CORE_DIR}entry-store.js`);
  const { TinyLfuEntryStore, DEFAULT_TINYLFU_TUNING } = await import(
    `${CORE_DIR}tinylfu-entry-store.js`
  );
  return { EntryStore, TinyLfuEntryStore, DEFAULT_TINYLFU_TUNING };
}

/** Imports the built package (dist/), for the real MemoryBackend. */
export async function loadBackend() {
  if (!existsSync(`${PACKAGE_DIR}dist/index.js`)) {
    throw new Error(
      'hit-ratio: dist/index.js is missing; build first with `pnpm --filter @cachestack/memory build`.',
    );
  }
  return import(`${PACKAGE_DIR}dist/index.js`);
}

const EMPTY = new Uint8Array(0);
const UNLIMITED = Number.POSITIVE_INFINITY;

/** Hits / accesses of raw lru-cache with `capacity` entries. */
export function replayLruCache(trace, capacity) {
  const cache = new LRUCache({ max: capacity });
  const { ids, keys } = trace;
  let hits = 0;
  for (let index = 0; index < ids.length; index++) {
    const key = keys[ids[index]];
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, EMPTY);
  }
  return hits / ids.length;
}

/**
 * Hits / accesses of an entry store (either policy core) built by `create(limits)`.
 * `onAccess(index)`, when given, runs before each access.
 */
export function replayStore(trace, capacity, create, onAccess) {
  const store = create({ maxEntries: capacity, maxBytes: UNLIMITED, maxValueBytes: UNLIMITED });
  const { ids, keys } = trace;
  let hits = 0;
  for (let index = 0; index < ids.length; index++) {
    onAccess?.(index);
    const key = keys[ids[index]];
    if (store.read(key) !== undefined) hits++;
    else store.write(key, EMPTY, 0, store.sizeOf(key, EMPTY, 'set'));
  }
  return { hitRatio: hits / ids.length, store };
}

/** Hits / accesses of a real MemoryBackend (awaited `get`, `set` on a miss). */
export async function replayBackend(MemoryBackend, trace, capacity, policy) {
  const backend = new MemoryBackend({ maxEntries: capacity, policy, purgeIntervalMs: 0 });
  const { ids, keys } = trace;
  let hits = 0;
  try {
    for (let index = 0; index < ids.length; index++) {
      const key = keys[ids[index]];
      if ((await backend.get(key)) !== undefined) hits++;
      else await backend.set(key, EMPTY);
    }
  } finally {
    await backend.close();
  }
  return hits / ids.length;
}

/**
 * An admission rule that knows the future, for the `admissionOracle` tuning
 * of the W-TinyLFU core: the candidate replaces the victim when it is used
 * again sooner. `onAccess(index)` must run before each access of the replay
 * (it records, for the key accessed, when it is used next).
 */
export function futureAdmission(trace) {
  const idOf = trace.idOf ?? new Map(trace.keys.map((key, id) => [key, id]));
  trace.idOf = idOf;
  const nextUse = new Int32Array(trace.distinct).fill(trace.ids.length);
  return {
    onAccess: (index) => {
      nextUse[trace.ids[index]] = trace.next[index];
    },
    admits: (candidate, victim) => nextUse[idOf.get(candidate)] < nextUse[idOf.get(victim)],
  };
}
