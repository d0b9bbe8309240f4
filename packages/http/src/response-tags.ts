import { normalizeTags } from '@cachestack/cache';

/**
 * A route's tags for a response it produced, for
 * {@link HttpCache.invalidateTags}: e.g.
 * `(request, response) => ['products', \`product:${id}\`]`.
 */
export type ResponseTagFunction = (request: Request, response: Response) => readonly string[];

/** The response headers read for tags by default (Fastly's and Cloudflare's conventions). */
export const DEFAULT_TAG_HEADERS: readonly string[] = Object.freeze(['surrogate-key', 'cache-tag']);

/** Tag header settings after validation. @internal */
export interface TagHeaderSettings {
  /** Lowercase header names. */
  names: string[];
  /** Keep the headers in stored copies and in answers. */
  forward: boolean;
}

/** Validates the engine's tag header options; throws a `TypeError` naming the option. @internal */
export function resolveTagHeaders(names: unknown, forward: unknown): TagHeaderSettings {
  const given = names ?? DEFAULT_TAG_HEADERS;
  if (
    !Array.isArray(given) ||
    given.some((name) => typeof name !== 'string' || name.trim() === '')
  ) {
    throw new TypeError('tagHeaders must be an array of header names');
  }
  if (forward !== undefined && typeof forward !== 'boolean') {
    throw new TypeError(`forwardTagHeaders must be a boolean, got ${String(forward)}`);
  }
  return {
    names: (given as string[]).map((name) => name.trim().toLowerCase()),
    forward: forward === true,
  };
}

/**
 * The tags of a response: those its tag headers list (separated by spaces
 * or commas) and those the route functions return, checked like keys
 * (see `normalizeTags` in `@cachestack/cache`).
 * @throws BackendError PERMANENT `INVALID_TAG` for a bad or excess tag.
 */
export function responseTags(
  settings: TagHeaderSettings,
  functions: readonly ResponseTagFunction[],
  request: Request,
  response: Response,
): string[] {
  const tags: string[] = [];
  for (const name of settings.names) {
    const value = response.headers.get(name);
    if (value !== null) tags.push(...value.split(/[\s,]+/).filter((tag) => tag !== ''));
  }
  for (const tagsOf of functions) tags.push(...tagsOf(request, response));
  return normalizeTags(tags, 'storeResponse');
}

/** Removes the tag headers from `headers` unless they are forwarded. @internal */
export function stripTagHeaders(settings: TagHeaderSettings, headers: Headers): void {
  if (settings.forward) return;
  for (const name of settings.names) headers.delete(name);
}

/** `entries` without the tag headers unless they are forwarded. @internal */
export function withoutTagHeaders(
  settings: TagHeaderSettings,
  entries: [string, string][],
): [string, string][] {
  if (settings.forward) return entries;
  return entries.filter(([name]) => !settings.names.includes(name));
}
