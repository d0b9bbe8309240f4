import type { Cache } from '@cachestack/cache';
import { isBackendError, type Logger, logSafely, resolveLogger } from '@cachestack/core';
import {
  checkNonNegativeInteger,
  checkOptionNames,
  DEFAULT_ROUTE_OPTIONS,
  HTTP_CACHE_OPTION_NAMES,
  type HttpCacheOptions,
  type ResolvedRouteOptions,
  resolveRouteOptions,
} from './http-cache-options.js';
import { resolveTagHeaders, type TagHeaderSettings } from './response-tags.js';

/** {@link HttpCacheOptions} after validation, with defaults applied. @internal */
export interface HttpCacheSettings {
  cache: Cache;
  onError: ((error: unknown) => void) | undefined;
  logger: Logger;
  staleRetentionMs: number;
  targets: string[];
  tagHeaders: TagHeaderSettings;
  defaults: ResolvedRouteOptions;
}

/**
 * Validates the options of `HttpCache`.
 * @throws TypeError naming the first invalid option. @internal
 */
export function resolveHttpCacheSettings(options: HttpCacheOptions): HttpCacheSettings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('HttpCache needs an options object with a cache');
  }
  checkOptionNames(options, HTTP_CACHE_OPTION_NAMES, 'HttpCache');
  const cache = options.cache as Partial<Cache> | undefined;
  if (
    typeof cache !== 'object' ||
    cache === null ||
    typeof cache.getOrSet !== 'function' ||
    typeof cache.get !== 'function' ||
    typeof cache.set !== 'function'
  ) {
    throw new TypeError('cache must be a @cachestack/cache Cache (createCache({ backend }))');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('onError must be a function');
  }
  const targets = options.targetedCacheControl ?? [];
  if (!Array.isArray(targets) || targets.some((name) => typeof name !== 'string')) {
    throw new TypeError('targetedCacheControl must be an array of header names');
  }
  return {
    cache: options.cache,
    onError: options.onError,
    logger: resolveLogger(options.logger, 'logger', 'HttpCache'),
    staleRetentionMs:
      checkNonNegativeInteger(options.staleRetentionMs, 'staleRetentionMs') ?? 600_000,
    targets: targets.map((name) => name.trim().toLowerCase()).filter(Boolean),
    tagHeaders: resolveTagHeaders(options.tagHeaders, options.forwardTagHeaders),
    defaults: resolveRouteOptions(options, DEFAULT_ROUTE_OPTIONS),
  };
}

/**
 * Reports a failure a request survives (fail-open). `step` says what the
 * cache was doing: `meta`, `lookup`, `load`, `write`, `tags`, `invalidate`,
 * `revalidate`. Resolves `undefined` so callers can return it.
 */
export type FailureReporter = (error: unknown, step: string) => undefined;

/**
 * A {@link FailureReporter} that logs (warn, with the step and the error's
 * type and code: never a header, body or credential) and calls `onError`.
 * Neither a throwing logger nor a throwing listener breaks the request. @internal
 */
export function failureReporter(
  logger: Logger,
  onError: ((error: unknown) => void) | undefined,
): FailureReporter {
  return (error, step) => {
    const fields: Record<string, unknown> = { step };
    if (isBackendError(error)) {
      fields.errorType = error.type;
      fields.errorCode = error.code;
    } else if (error instanceof Error) {
      fields.errorType = error.name;
    }
    logSafely(logger, 'warn', fields, `HTTP cache ${step} failed; request served without it`);
    try {
      onError?.(error);
    } catch {
      // A throwing error listener must not break the request.
    }
    return undefined;
  };
}
