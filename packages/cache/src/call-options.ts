import { assertKnownOptions, normalizeTtl } from '@cachestack/core';
import { type CacheCoreSettings, callMs, invalidArgument } from './cache-core.js';
import type { CacheSetManyEntry, GetOrSetOptions, SetOptions } from './cache-options.js';
import type { ResolvedGetOrSetOptions } from './get-or-set.js';
import { normalizeTags } from './tags.js';

/** Every option name of {@link SetOptions} (the compiler checks the list is complete). */
export const SET_OPTION_NAMES = Object.keys({
  ttlMs: true,
  tags: true,
} satisfies Record<keyof SetOptions, true>);

/** Every option name of {@link GetOrSetOptions} (the compiler checks the list is complete). */
export const GET_OR_SET_OPTION_NAMES = Object.keys({
  ttlMs: true,
  graceMs: true,
  loaderTimeoutMs: true,
  lockTtlMs: true,
  lockWaitMs: true,
  onLockTimeout: true,
  lock: true,
  tags: true,
} satisfies Record<keyof GetOrSetOptions, true>);

/** Every field name of {@link CacheSetManyEntry} (the compiler checks the list is complete). */
export const SET_MANY_ENTRY_NAMES = Object.keys({
  key: true,
  value: true,
  ttlMs: true,
  tags: true,
} satisfies Record<keyof CacheSetManyEntry, true>);

const SET_NAMES = new Set(SET_OPTION_NAMES);
const GET_OR_SET_NAMES = new Set(GET_OR_SET_OPTION_NAMES);
const SET_MANY_NAMES = new Set(SET_MANY_ENTRY_NAMES);

const KNOWN: ReadonlyMap<readonly string[], ReadonlySet<string>> = new Map([
  [SET_OPTION_NAMES, SET_NAMES],
  [GET_OR_SET_OPTION_NAMES, GET_OR_SET_NAMES],
  [SET_MANY_ENTRY_NAMES, SET_MANY_NAMES],
]);

/** How the call reads with its options argument, for the "did you mean" hint. */
const CALL_SHAPE: Readonly<Record<string, string>> = {
  set: 'cache.set(key, value, { ttlMs: N })',
  getOrSet: 'cache.getOrSet(key, loader, { ttlMs: N })',
};

/**
 * Checks a per-call options object (of `set`, `getOrSet`, or a `setMany`
 * entry): `undefined` passes, a non-object (`cache.set(key, value, 5000)`, the
 * Keyv signature) and an unknown key are rejected with a PERMANENT
 * `INVALID_ARGUMENT` `BackendError` whose message shows the right call or
 * the closest known name (core's `assertKnownOptions`). The common case (only
 * known keys) costs one `Object.keys` and a set lookup per key.
 * @param options - what the caller passed.
 * @param names - {@link SET_OPTION_NAMES}, {@link GET_OR_SET_OPTION_NAMES} or {@link SET_MANY_ENTRY_NAMES}.
 * @param operation - the cache method, for the error.
 * @param key - the store key, for the error.
 */
export function checkCallOptions(
  options: unknown,
  names: readonly string[],
  operation: string,
  key?: string,
): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const shape = CALL_SHAPE[operation];
    const shown = typeof options === 'string' ? JSON.stringify(options) : String(options);
    const hint =
      shape === undefined
        ? ''
        : typeof options === 'number'
          ? `: write ${shape.replace('N', shown)}`
          : `, e.g. ${shape.replace('N', '5000')}`;
    throw invalidArgument(`options must be an object, got ${shown}${hint}`, operation, key);
  }
  const known = KNOWN.get(names) ?? new Set(names);
  for (const name of Object.keys(options)) {
    if (known.has(name)) continue;
    try {
      assertKnownOptions(options, names, operation);
    } catch (error) {
      throw invalidArgument((error as TypeError).message, operation, key);
    }
  }
}

/**
 * Validates {@link GetOrSetOptions} and applies the cache's defaults.
 * @throws BackendError `INVALID_ARGUMENT`, `INVALID_TTL` or `INVALID_TAG`.
 */
export function resolveGetOrSetOptions(
  options: GetOrSetOptions,
  settings: CacheCoreSettings,
  storeKey: string,
): ResolvedGetOrSetOptions {
  const operation = 'getOrSet';
  checkCallOptions(options, GET_OR_SET_OPTION_NAMES, operation, storeKey);
  const ttlMs = normalizeTtl(options.ttlMs ?? settings.defaultTtlMs, operation, storeKey);
  const onLockTimeout = options.onLockTimeout ?? 'load';
  if (onLockTimeout !== 'load' && onLockTimeout !== 'throw') {
    throw invalidArgument(`onLockTimeout must be 'load' or 'throw'`, operation, storeKey);
  }
  return {
    ttlMs,
    graceMs: callMs(options.graceMs, 'graceMs', operation, storeKey, true) ?? 0,
    loaderTimeoutMs: callMs(options.loaderTimeoutMs, 'loaderTimeoutMs', operation, storeKey),
    lockTtlMs: callMs(options.lockTtlMs, 'lockTtlMs', operation, storeKey) ?? settings.lockTtlMs,
    lockWaitMs:
      callMs(options.lockWaitMs, 'lockWaitMs', operation, storeKey, true) ?? settings.lockWaitMs,
    onLockTimeout,
    lock: options.lock !== false,
    tags: options.tags === undefined ? [] : normalizeTags(options.tags, operation),
  };
}
