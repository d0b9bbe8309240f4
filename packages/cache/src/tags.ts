import { BackendError, BackendErrorType } from '@cachestack/core';

/** The {@link @cachestack/core!BackendError | BackendError} code of a bad tag (PERMANENT). */
export const INVALID_TAG = 'INVALID_TAG';

/** Largest tag, in UTF-8 bytes. */
export const MAX_TAG_BYTES = 256;

/** Most tags one entry may carry (after removing duplicates). */
export const MAX_TAGS_PER_ENTRY = 64;

/** Most tags one `invalidateTags` / `expireTags` call may name. */
export const MAX_TAGS_PER_CALL = 1024;

/**
 * The character that starts the facade's reserved key space. Cache keys and
 * namespace names may not contain it, so no cache key can ever collide with
 * a tag version key.
 */
export const RESERVED_KEY_CHARACTER = '\u0000';

function invalidTag(message: string, operation: string, tag?: string): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: INVALID_TAG,
    message,
    operation,
    key: tag,
  });
}

/**
 * Checks a list of tags the way keys are checked (non-empty, well-formed
 * Unicode strings of at most {@link MAX_TAG_BYTES} UTF-8 bytes) and returns
 * them without duplicates, in first-seen order. The one tag check of
 * cachestack: the cache facade and `@cachestack/http` both use it.
 * @param maxCount - most distinct tags allowed (default {@link MAX_TAGS_PER_ENTRY}).
 * @throws BackendError PERMANENT `INVALID_TAG` naming the first bad tag.
 */
export function normalizeTags(
  tags: unknown,
  operation: string,
  maxCount = MAX_TAGS_PER_ENTRY,
): string[] {
  if (!Array.isArray(tags)) {
    throw invalidTag(`tags must be an array of strings, got ${typeof tags}`, operation);
  }
  const unique = new Set<string>();
  for (const tag of tags as unknown[]) {
    if (typeof tag !== 'string') {
      throw invalidTag(`tag must be a string, got ${typeof tag}`, operation);
    }
    if (tag.length === 0) throw invalidTag('tag must not be empty', operation);
    if (!tag.isWellFormed()) {
      throw invalidTag('tag is not well-formed Unicode (it has a lone surrogate)', operation, tag);
    }
    if (tag.length * 3 > MAX_TAG_BYTES && Buffer.byteLength(tag, 'utf8') > MAX_TAG_BYTES) {
      throw invalidTag(`tag is longer than ${MAX_TAG_BYTES} UTF-8 bytes`, operation, tag);
    }
    unique.add(tag);
  }
  if (unique.size > maxCount) {
    throw invalidTag(
      `at most ${maxCount} distinct tags are allowed, got ${unique.size}`,
      operation,
    );
  }
  return [...unique];
}
