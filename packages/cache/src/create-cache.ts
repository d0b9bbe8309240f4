import { assertKnownOptions, resolveLogger } from '@cachestack/core';
import { Cache } from './cache.js';
import { CacheCore } from './cache-core.js';
import { type CacheOptions, checkNonNegativeMs, checkPositiveMs } from './cache-options.js';
import { defaultSerializer } from './default-serializer.js';
import { followBackendInvalidation, ObjectTier, resolveObjectCacheOptions } from './object-tier.js';
import { RESERVED_KEY_CHARACTER } from './tags.js';

/** Default {@link CacheOptions.lockTtlMs} and {@link CacheOptions.lockWaitMs}, in ms. */
export const DEFAULT_LOCK_MS = 10_000;

/** Every option name of {@link CacheOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  backend: true,
  namespace: true,
  defaultTtlMs: true,
  serializer: true,
  failOpen: true,
  onCorrupt: true,
  onError: true,
  lockTtlMs: true,
  lockWaitMs: true,
  objectCache: true,
  logger: true,
} satisfies Record<keyof CacheOptions, true>);

function isBackend(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return ['get', 'set', 'delete', 'exists'].every((name) => typeof record[name] === 'function');
}

/**
 * Creates a {@link Cache} over `options.backend`.
 *
 * @example
 * ```ts
 * const cache = createCache({ backend: new MemoryBackend(), namespace: 'app', defaultTtlMs: 60_000 });
 * const user = await cache.getOrSet(`user:${id}`, () => db.findUser(id), { ttlMs: 30_000 });
 * ```
 * @throws TypeError naming the first invalid option, or an unknown one (with the closest known name).
 */
export function createCache(options: CacheOptions): Cache {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createCache needs an options object with a backend');
  }
  assertKnownOptions(options, OPTION_NAMES, 'createCache');
  if (!isBackend(options.backend)) {
    throw new TypeError('backend must be a cachestack backend (get, set, delete, exists)');
  }
  const { namespace } = options;
  if (
    namespace !== undefined &&
    (typeof namespace !== 'string' ||
      namespace.length === 0 ||
      !namespace.isWellFormed() ||
      namespace.includes(RESERVED_KEY_CHARACTER))
  ) {
    throw new TypeError(
      `namespace must be a non-empty, well-formed string without U+0000, got ${String(namespace)}`,
    );
  }
  const serializer = options.serializer ?? defaultSerializer;
  if (
    typeof serializer !== 'object' ||
    serializer === null ||
    typeof serializer.serialize !== 'function' ||
    typeof serializer.deserialize !== 'function'
  ) {
    throw new TypeError('serializer must have serialize(value) and deserialize(bytes) methods');
  }
  const onCorrupt = options.onCorrupt ?? 'miss';
  if (onCorrupt !== 'miss' && onCorrupt !== 'throw') {
    throw new TypeError(`onCorrupt must be 'miss' or 'throw', got ${String(onCorrupt)}`);
  }
  if (options.failOpen !== undefined && typeof options.failOpen !== 'boolean') {
    throw new TypeError(`failOpen must be a boolean, got ${String(options.failOpen)}`);
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('onError must be a function');
  }
  const logger = resolveLogger(options.logger, 'logger');
  const objects =
    options.objectCache === undefined
      ? undefined
      : new ObjectTier(resolveObjectCacheOptions(options.objectCache));
  if (objects !== undefined) followBackendInvalidation(objects, options.backend);
  const core = new CacheCore(
    {
      backend: options.backend,
      serializer,
      defaultTtlMs: checkPositiveMs(options.defaultTtlMs, 'defaultTtlMs'),
      failOpen: options.failOpen ?? false,
      onCorrupt,
      lockTtlMs: checkPositiveMs(options.lockTtlMs, 'lockTtlMs') ?? DEFAULT_LOCK_MS,
      lockWaitMs: checkNonNegativeMs(options.lockWaitMs, 'lockWaitMs') ?? DEFAULT_LOCK_MS,
      rootPrefix: namespace === undefined ? '' : `${namespace}:`,
      logger,
    },
    objects,
  );
  if (options.onError !== undefined) core.events.on('error', options.onError);
  return new Cache(core, namespace, namespace === undefined ? '' : `${namespace}:`);
}
