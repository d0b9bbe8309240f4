/** The fixed first segment of every key cachestack writes to Redis. */
export const ROOT_PREFIX = 'cs';

const SAFE_NAMESPACE_CHAR = /[A-Za-z0-9._-]/;

/**
 * Percent-encodes every character of `namespace` except `[A-Za-z0-9._-]`, so
 * the encoded form never holds the `:` delimiter, a `{`/`}` hash tag, a glob
 * character (`*?[]\`) or `%` itself. Distinct namespaces stay distinct.
 */
export function escapeNamespace(namespace: string): string {
  let out = '';
  for (const char of namespace) {
    if (SAFE_NAMESPACE_CHAR.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** Escapes the glob characters of Redis `SCAN MATCH` (`* ? [ ] \`) so `text` matches literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

/**
 * Where a namespace's keys live in Redis:
 *
 * - data: `cs:<escaped namespace>:d:<key>`
 * - locks: `cs:<escaped namespace>:l:<key>`
 *
 * The namespace is escaped by {@link escapeNamespace}, so the namespace
 * `users` never matches keys of `users2` or `users:archive`, and the prefix
 * holds no hash tag: data keys spread over every Cluster slot. A `{tag}`
 * inside the user's own key is honoured by Redis Cluster for both the data
 * key and its lock key, which therefore land on the same slot.
 */
export class KeyLayout {
  /** The prefix of every data key of this namespace. */
  readonly dataPrefix: string;
  /** The prefix of every lock key of this namespace. */
  readonly lockPrefix: string;

  constructor(namespace: string) {
    const escaped = escapeNamespace(namespace);
    this.dataPrefix = `${ROOT_PREFIX}:${escaped}:d:`;
    this.lockPrefix = `${ROOT_PREFIX}:${escaped}:l:`;
  }

  /** The Redis key that stores the value of `key`. */
  dataKey(key: string): string {
    return this.dataPrefix + key;
  }

  /** The Redis key of the lock on `key` (never equal to any data key). */
  lockKey(key: string): string {
    return this.lockPrefix + key;
  }

  /** A `SCAN MATCH` pattern for the data keys whose user key starts with `prefix`. */
  dataPattern(prefix = ''): string {
    return `${escapeGlob(this.dataPrefix)}${escapeGlob(prefix)}*`;
  }

  /** The user key of a data key returned by `SCAN`, or `undefined` if it is not one of ours. */
  userKey(redisKey: string): string | undefined {
    return redisKey.startsWith(this.dataPrefix)
      ? redisKey.slice(this.dataPrefix.length)
      : undefined;
  }
}
