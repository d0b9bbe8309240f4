import type { interceptors } from 'undici';

/** The options of undici's `interceptors.cache()`. */
export type CacheInterceptorOptions = NonNullable<Parameters<typeof interceptors.cache>[0]>;

/** undici's `CacheStore` interface (what `interceptors.cache({ store })` takes). */
export type CacheStore = NonNullable<CacheInterceptorOptions['store']>;

/** undici's `CacheKey`: origin, method, path (with query) and request headers (lower-case names). */
export type CacheKey = Parameters<CacheStore['get']>[0];

/** undici's `CacheValue`: what is stored besides the body (status, headers, `Vary`, times in epoch ms). */
export type CacheValue = Parameters<CacheStore['createWriteStream']>[1];

/** undici's `GetResult`: a stored response, body included. */
export type GetResult = NonNullable<Awaited<ReturnType<CacheStore['get']>>>;
