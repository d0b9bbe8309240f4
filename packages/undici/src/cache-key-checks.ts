import type { CacheKey, CacheValue } from './undici-types.js';

/**
 * Throws a `TypeError` unless `key` is an undici cache key: an object with
 * string `origin` and `path`, and (when `full`) a string `method` and
 * object `headers`, as undici's own stores check.
 */
export function assertCacheKey(key: unknown, full: boolean): asserts key is CacheKey {
  if (typeof key !== 'object' || key === null) {
    throw new TypeError(`expected key to be object, got ${key === null ? 'null' : typeof key}`);
  }
  const record = key as Record<string, unknown>;
  for (const property of full ? ['origin', 'method', 'path'] : ['origin', 'path']) {
    if (typeof record[property] !== 'string') {
      throw new TypeError(`expected key.${property} to be string, got ${typeof record[property]}`);
    }
  }
  if (full && record.headers != null && typeof record.headers !== 'object') {
    throw new TypeError(`expected key.headers to be object, got ${typeof record.headers}`);
  }
}

/** Throws a `TypeError` unless `value` has undici's `CacheValue` numbers and status message. */
export function assertCacheValue(value: unknown): asserts value is CacheValue {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(
      `expected value to be object, got ${value === null ? 'null' : typeof value}`,
    );
  }
  const record = value as Record<string, unknown>;
  for (const property of ['statusCode', 'cachedAt', 'staleAt', 'deleteAt']) {
    if (typeof record[property] !== 'number') {
      throw new TypeError(
        `expected value.${property} to be number, got ${typeof record[property]}`,
      );
    }
  }
  if (typeof record.statusMessage !== 'string') {
    throw new TypeError('expected value.statusMessage to be string');
  }
}
