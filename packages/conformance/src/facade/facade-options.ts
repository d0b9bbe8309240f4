import { assertKnownOptions } from '@cachestack/core';
import { createNamespace } from '../harness.js';
import type { SuiteHarness } from '../suite/suite.js';
import { VALUE_VECTORS } from './value-vectors.js';

/** Per-call options the kit passes to {@link CacheFacade.set} and {@link CacheFacade.getOrSet}. */
export interface FacadeSetOptions {
  /** Fresh lifetime in ms. */
  ttlMs?: number;
  /** Tags of the entry (only when the `tags` feature is claimed). */
  tags?: readonly string[];
}

/** Counters the `stats` feature must keep (a facade may keep more). */
export interface FacadeStats {
  /** Reads that found a fresh value (`get`, a getOrSet that did not load). */
  hits: number;
  /** Reads that found nothing fresh. */
  misses: number;
  /** Values written (`set`, getOrSet loads). */
  sets: number;
  /** Deletes of keys that existed. */
  deletes: number;
  /** Loader calls of getOrSet. */
  loaderCalls: number;
  /** getOrSet callers that joined another caller's load instead of loading. */
  stampedesAvoided: number;
}

/** The events the `events` feature must emit, with the payload fields the kit reads. */
export type FacadeEventName = 'hit' | 'miss' | 'set' | 'delete';

/**
 * What the facade kit drives: the methods of a typed cache facade (such as
 * `@cachestack/cache`'s `Cache`), typed structurally so the kit depends on
 * no facade package. Optional methods belong to features
 * ({@link CacheConformanceFeature}).
 */
export interface CacheFacade {
  /** The fresh value, or `undefined`. */
  get(key: string): Promise<unknown>;
  /** Stores `value`. */
  set(key: string, value: unknown, options?: FacadeSetOptions): Promise<void>;
  /** Deletes `key`; `true` when it existed. */
  delete(key: string): Promise<boolean>;
  /** Feature `getOrSet`: the fresh value, or the loader's result (stored). */
  getOrSet?(
    key: string,
    loader: () => Promise<unknown>,
    options?: FacadeSetOptions,
  ): Promise<unknown>;
  /** Feature `stats`: the counters. */
  stats?(): FacadeStats;
  /** Feature `stats`: zeroes the counters. */
  resetStats?(): void;
  /** Feature `events`: adds a listener. */
  on?(
    event: FacadeEventName,
    listener: (payload: { key: string; existed?: boolean }) => void,
  ): unknown;
  /** Feature `tags`: invalidates every entry carrying any of `tags`, for every facade on the store. */
  invalidateTags?(tags: readonly string[]): Promise<void>;
}

/** The byte encoder the facade uses, for the golden-encoding cases. */
export interface FacadeSerializer {
  /** Encodes a value. */
  serialize(value: unknown): Uint8Array;
  /** Decodes bytes written by {@link FacadeSerializer.serialize}. */
  deserialize(bytes: Uint8Array): unknown;
}

/** A feature of a facade the kit checks when it is claimed. */
export type CacheConformanceFeature = 'getOrSet' | 'stats' | 'events' | 'tags';

/** Options of {@link describeCacheConformance}. */
export interface CacheConformanceOptions {
  /**
   * A facade on a store scoped to `namespace` (fresh and empty for every
   * test). Two calls with the same namespace must give two facades sharing
   * one store (as two processes on one backend would).
   */
  create: (context: { namespace: string }) => CacheFacade | Promise<CacheFacade>;
  /** The features the facade claims; a claimed feature that is missing or broken fails. */
  features: readonly CacheConformanceFeature[];
  /** The facade's serializer; with {@link CacheConformanceOptions.golden}, checks encodings byte for byte. */
  serializer?: FacadeSerializer;
  /**
   * Golden encodings by vector name (hex), e.g. `defaultSerializerGolden`:
   * encoding each vector must give these bytes and decoding them the vector,
   * so entries written by one version are read by the next.
   */
  golden?: Readonly<Record<string, string>>;
  /**
   * Vector names (`VALUE_VECTORS`) the facade documents as unsupported: it
   * must reject them on `set` with a PERMANENT `INVALID_VALUE` and store
   * nothing (never store something else).
   * @default []
   */
  unsupportedValues?: readonly string[];
  /**
   * The documented nesting limit (levels of objects). Omitted: the facade
   * claims any depth (1,000 levels must round-trip; 100,000 must round-trip
   * or be rejected with `INVALID_VALUE`, never a raw error).
   */
  maxDepth?: number;
  /**
   * Known defects: `'group › case'` → reason. Those cases are registered
   * with `it.fails` (the run stays green while they fail, and turns red once
   * they pass: remove the entry then).
   * @default {}
   */
  knownFailures?: Readonly<Record<string, string>>;
  /** Runs after each test (close the stores the test's facades use). */
  cleanup?: () => Promise<void>;
}

/** {@link CacheConformanceOptions} with defaults. */
export interface ResolvedCacheConformanceOptions extends CacheConformanceOptions {
  readonly unsupportedValues: readonly string[];
  readonly knownFailures: Readonly<Record<string, string>>;
}

const OPTION_NAMES = Object.keys({
  create: true,
  features: true,
  serializer: true,
  golden: true,
  unsupportedValues: true,
  maxDepth: true,
  knownFailures: true,
  cleanup: true,
} satisfies Record<keyof CacheConformanceOptions, true>);

const FEATURES = new Set<string>(['getOrSet', 'stats', 'events', 'tags']);

function fail(option: string, detail: string): never {
  throw new TypeError(`describeCacheConformance: option "${option}" ${detail}`);
}

/** Validates `options` (a `TypeError` naming the option) and fills in defaults. */
export function resolveCacheOptions(
  options: CacheConformanceOptions,
): ResolvedCacheConformanceOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  assertKnownOptions(options, OPTION_NAMES, 'describeCacheConformance');
  if (typeof options.create !== 'function') fail('create', 'must be a function returning a facade');
  if (!Array.isArray(options.features) || options.features.some((name) => !FEATURES.has(name))) {
    fail('features', `must be an array of: ${[...FEATURES].join(', ')}`);
  }
  const serializer = options.serializer;
  if (
    serializer !== undefined &&
    (typeof serializer?.serialize !== 'function' || typeof serializer.deserialize !== 'function')
  ) {
    fail('serializer', 'must have serialize() and deserialize()');
  }
  if (
    options.golden !== undefined &&
    (typeof options.golden !== 'object' || options.golden === null)
  ) {
    fail('golden', 'must be an object of hex encodings by vector name');
  }
  const names = new Set(VALUE_VECTORS.map((vector) => vector.name));
  for (const name of [...Object.keys(options.golden ?? {}), ...(options.unsupportedValues ?? [])]) {
    if (!names.has(name))
      fail('golden/unsupportedValues', `names an unknown vector ${JSON.stringify(name)}`);
  }
  if (
    options.maxDepth !== undefined &&
    (!Number.isInteger(options.maxDepth) || options.maxDepth < 2 || options.maxDepth > 100_000)
  ) {
    fail('maxDepth', `must be a whole number 2 – 100000, got ${String(options.maxDepth)}`);
  }
  if (options.cleanup !== undefined && typeof options.cleanup !== 'function') {
    fail('cleanup', 'must be a function');
  }
  return {
    ...options,
    unsupportedValues: options.unsupportedValues ?? [],
    knownFailures: options.knownFailures ?? {},
  };
}

/** The per-test fixture of the facade kit: a fresh namespace and facades on it. */
export class FacadeHarness implements SuiteHarness {
  /** This test's namespace. */
  readonly namespace = createNamespace();
  /** The resolved options. */
  readonly options: ResolvedCacheConformanceOptions;

  constructor(options: ResolvedCacheConformanceOptions) {
    this.options = options;
  }

  /** A facade on this test's store (every call shares it). */
  async create(): Promise<CacheFacade> {
    return this.options.create({ namespace: this.namespace });
  }

  /** Runs the user's cleanup. */
  async dispose(): Promise<void> {
    await this.options.cleanup?.();
  }
}

/** Why a group of `feature` cannot run, or `undefined` when the feature is claimed. */
export function unlessClaimed(
  feature: CacheConformanceFeature,
): (options: ResolvedCacheConformanceOptions) => string | undefined {
  return (options) => (options.features.includes(feature) ? undefined : `'${feature}' not claimed`);
}
