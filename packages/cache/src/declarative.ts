import { assertKnownOptions } from '@cachestack/core';
import type { Cache } from './cache.js';
import type { GetOrSetOptions, SetOptions } from './cache-options.js';
import { GET_OR_SET_OPTION_NAMES } from './call-options.js';
import { compileKey, type KeySpec } from './key-template.js';

/** A cache, or a function that picks one from the instance (`this`) a method is called on. */
export type CacheSource<This = unknown> = Cache | ((self: This) => Cache);

/** Options for {@link cacheable}. */
export interface CacheableOptions<Args extends unknown[] = never[], This = unknown>
  extends GetOrSetOptions {
  /** The cache to read and fill. */
  cache: CacheSource<This>;
  /** The key for a call: a template like `'user:{id}'` or a function; see {@link KeySpec}. */
  key: KeySpec<Args>;
}

/** Options for {@link cachePut}. */
export interface CachePutOptions<Args extends unknown[] = never[], This = unknown> {
  /** The cache to write. */
  cache: CacheSource<This>;
  /** The key for a call; see {@link KeySpec}. */
  key: KeySpec<Args>;
  /**
   * Fresh lifetime of the stored result, in ms.
   * @default the cache's `defaultTtlMs`
   */
  ttlMs?: number | undefined;
  /** Tags of the stored result (see {@link SetOptions.tags}). @default [] */
  tags?: readonly string[] | undefined;
}

/** Options for {@link cacheEvict}. */
export interface CacheEvictOptions<Args extends unknown[] = never[], This = unknown> {
  /** The cache to evict from. */
  cache: CacheSource<This>;
  /**
   * The key (or keys) to delete for a call; required unless
   * {@link CacheEvictOptions.allEntries} or {@link CacheEvictOptions.tags}.
   */
  key?: KeySpec<Args> | KeySpec<Args>[] | undefined;
  /**
   * Tags to invalidate ({@link Cache.invalidateTags}): a list, or a function
   * of the call's arguments, e.g. `(id) => ['user:' + id]`.
   * @default undefined (no tags)
   */
  tags?: readonly string[] | ((...args: Args) => readonly string[]) | undefined;
  /**
   * Clear the whole cache (its namespace only, see {@link Cache.clear}) instead of keys.
   * @default false
   */
  allEntries?: boolean | undefined;
  /**
   * Evict before calling the function (so eviction happens even if it
   * fails) instead of after it succeeded.
   * @default false
   */
  beforeInvocation?: boolean | undefined;
}

/** Every option name of {@link CacheableOptions}. */
const CACHEABLE_OPTION_NAMES = [
  ...Object.keys({ cache: true, key: true } satisfies Record<
    Exclude<keyof CacheableOptions, keyof GetOrSetOptions>,
    true
  >),
  ...GET_OR_SET_OPTION_NAMES,
];

/** Every option name of {@link CachePutOptions} (the compiler checks the list is complete). */
const CACHE_PUT_OPTION_NAMES = Object.keys({
  cache: true,
  key: true,
  ttlMs: true,
  tags: true,
} satisfies Record<keyof CachePutOptions, true>);

/** Every option name of {@link CacheEvictOptions} (the compiler checks the list is complete). */
const CACHE_EVICT_OPTION_NAMES = Object.keys({
  cache: true,
  key: true,
  tags: true,
  allEntries: true,
  beforeInvocation: true,
} satisfies Record<keyof CacheEvictOptions, true>);

/** An async function or method (what the declarative helpers wrap). */
export type AsyncFn<This, Args extends unknown[], R> = (this: This, ...args: Args) => Promise<R>;

/** A TS 5 standard method decorator returned by the declarative helpers. */
export type CacheMethodDecorator = <This, Args extends unknown[], R>(
  target: AsyncFn<This, Args, R>,
  context: ClassMethodDecoratorContext<This, AsyncFn<This, Args, R>>,
) => AsyncFn<This, Args, R>;

type Wrap = (
  target: (...args: unknown[]) => unknown,
  name: string,
) => (this: unknown, ...args: unknown[]) => Promise<unknown>;

function resolveCache(source: CacheSource<never>, self: unknown): Cache {
  return typeof source === 'function' ? (source as (self: unknown) => Cache)(self) : source;
}

function checkTarget(target: unknown, helper: string): void {
  if (typeof target !== 'function') throw new TypeError(`${helper} can only wrap a function`);
  const kind = target.constructor?.name;
  if (kind === 'GeneratorFunction' || kind === 'AsyncGeneratorFunction') {
    throw new TypeError(`${helper} cannot wrap a generator function; use an async function`);
  }
}

/** Calls `target` and insists on a promise: declarative caching is for async functions only. */
function callAsync(
  target: (...args: unknown[]) => unknown,
  self: unknown,
  args: unknown[],
  name: string,
  helper: string,
): Promise<unknown> {
  const result = target.apply(self, args);
  if (typeof (result as PromiseLike<unknown> | undefined)?.then !== 'function') {
    return Promise.reject(
      new TypeError(
        `${helper}: ${name} returned ${typeof result}, not a Promise; only async functions can be cached`,
      ),
    );
  }
  return Promise.resolve(result);
}

function checkCacheOption(cache: unknown, helper: string): void {
  if (typeof cache === 'function') return;
  if (
    typeof cache !== 'object' ||
    cache === null ||
    typeof (cache as Cache).getOrSet !== 'function'
  ) {
    throw new TypeError(
      `${helper}: cache must be a Cache (from createCache) or a function returning one`,
    );
  }
}

function decorate(helper: string, wrap: Wrap): CacheMethodDecorator {
  return ((target: (...args: unknown[]) => unknown, context: ClassMethodDecoratorContext) => {
    if (context?.kind !== 'method') {
      throw new TypeError(`@${helper} can only decorate methods (got ${String(context?.kind)})`);
    }
    checkTarget(target, `@${helper}`);
    return wrap(target, String(context.name));
  }) as unknown as CacheMethodDecorator;
}

function functionName(fn: (...args: never[]) => unknown): string {
  return fn.name === '' ? 'the function' : fn.name;
}

/**
 * Caches the results of an async function or method with
 * {@link Cache.getOrSet} (single-flight, locks, stale-while-revalidate:
 * every {@link GetOrSetOptions} applies).
 *
 * As a TS 5 standard decorator:
 * ```ts
 * class Users {
 *   @cacheable({ cache, key: 'user:{id}', ttlMs: 60_000 })
 *   async find(id: string) { … }
 * }
 * ```
 * As a wrapper for a free function:
 * ```ts
 * const getUser = cacheable({ cache, key: 'user:{id}' }, async function getUser(id: string) { … });
 * ```
 * Only async functions (returning a Promise) can be wrapped: a call that
 * returns anything else rejects with a `TypeError`.
 * @throws TypeError when the key template names an unknown parameter.
 */
export function cacheable(options: CacheableOptions<never[], never>): CacheMethodDecorator;
export function cacheable<Args extends unknown[], R>(
  options: CacheableOptions<Args>,
  fn: (...args: Args) => Promise<R>,
): (...args: Args) => Promise<R>;
export function cacheable(
  options: CacheableOptions<never[], never>,
  fn?: (...args: never[]) => Promise<unknown>,
): unknown {
  checkCacheOption(options?.cache, 'cacheable');
  assertKnownOptions(options, CACHEABLE_OPTION_NAMES, 'cacheable');
  const { cache, key, ...getOrSetOptions } = options;
  const wrap: Wrap = (target, name) => {
    const keyOf = compileKey(key, target, name);
    return async function cached(this: unknown, ...args: unknown[]) {
      return resolveCache(cache, this).getOrSet(
        keyOf(args),
        () => callAsync(target, this, args, name, 'cacheable'),
        getOrSetOptions,
      );
    };
  };
  if (fn === undefined) return decorate('cacheable', wrap);
  checkTarget(fn, 'cacheable');
  return wrap(fn as (...args: unknown[]) => unknown, functionName(fn));
}

/**
 * Always calls the function and stores its result (unless `undefined`)
 * under the key, so later {@link cacheable} reads see it. Decorator or
 * wrapper, like {@link cacheable}. A failing cache write rejects the call
 * with the backend's error (the function has already run).
 */
export function cachePut(options: CachePutOptions<never[], never>): CacheMethodDecorator;
export function cachePut<Args extends unknown[], R>(
  options: CachePutOptions<Args>,
  fn: (...args: Args) => Promise<R>,
): (...args: Args) => Promise<R>;
export function cachePut(
  options: CachePutOptions<never[], never>,
  fn?: (...args: never[]) => Promise<unknown>,
): unknown {
  checkCacheOption(options?.cache, 'cachePut');
  assertKnownOptions(options, CACHE_PUT_OPTION_NAMES, 'cachePut');
  const { cache, key, ttlMs, tags } = options;
  const wrap: Wrap = (target, name) => {
    const keyOf = compileKey(key, target, name);
    return async function put(this: unknown, ...args: unknown[]) {
      const cacheKey = keyOf(args);
      const result = await callAsync(target, this, args, name, 'cachePut');
      if (result !== undefined) {
        await resolveCache(cache, this).set(cacheKey, result, { ttlMs, tags });
      }
      return result;
    };
  };
  if (fn === undefined) return decorate('cachePut', wrap);
  checkTarget(fn, 'cachePut');
  return wrap(fn as (...args: unknown[]) => unknown, functionName(fn));
}

/**
 * Deletes the key(s) of a call, or the whole cache with `allEntries: true`,
 * after the function succeeds (or before it runs, with `beforeInvocation`).
 * Decorator or wrapper, like {@link cacheable}.
 */
export function cacheEvict(options: CacheEvictOptions<never[], never>): CacheMethodDecorator;
export function cacheEvict<Args extends unknown[], R>(
  options: CacheEvictOptions<Args>,
  fn: (...args: Args) => Promise<R>,
): (...args: Args) => Promise<R>;
export function cacheEvict(
  options: CacheEvictOptions<never[], never>,
  fn?: (...args: never[]) => Promise<unknown>,
): unknown {
  checkCacheOption(options?.cache, 'cacheEvict');
  assertKnownOptions(options, CACHE_EVICT_OPTION_NAMES, 'cacheEvict');
  const { cache, key, allEntries = false, beforeInvocation = false, tags } = options;
  if (!allEntries && key === undefined && tags === undefined) {
    throw new TypeError('cacheEvict needs a key (or keys), tags or allEntries: true');
  }
  if (tags !== undefined && typeof tags !== 'function' && !Array.isArray(tags)) {
    throw new TypeError('cacheEvict tags must be an array of tags or a function of the arguments');
  }
  const specs = key === undefined ? [] : Array.isArray(key) ? key : [key];
  const wrap: Wrap = (target, name) => {
    const keysOf = specs.map((spec) => compileKey(spec, target, name));
    return async function evict(this: unknown, ...args: unknown[]) {
      const keys = keysOf.map((keyOf) => keyOf(args));
      const target$ = resolveCache(cache, this);
      const tagsOfCall =
        tags === undefined
          ? []
          : typeof tags === 'function'
            ? (tags as (...a: unknown[]) => readonly string[])(...args)
            : tags;
      const run = async (): Promise<void> => {
        if (allEntries) await target$.clear();
        else await Promise.all(keys.map((k) => target$.delete(k)));
        if (tagsOfCall.length > 0) await target$.invalidateTags(tagsOfCall);
      };
      if (beforeInvocation) await run();
      const result = await callAsync(target, this, args, name, 'cacheEvict');
      if (!beforeInvocation) await run();
      return result;
    };
  };
  if (fn === undefined) return decorate('cacheEvict', wrap);
  checkTarget(fn, 'cacheEvict');
  return wrap(fn as (...args: unknown[]) => unknown, functionName(fn));
}
