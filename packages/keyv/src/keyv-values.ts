import { BackendError, BackendErrorCode, BackendErrorType, normalizeTtl } from '@cachestack/core';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Keyv's serialized value (a string) as the UTF-8 bytes a backend stores.
 * Anything else is a PERMANENT `INVALID_VALUE` {@link BackendError}: Keyv
 * hands raw values only when its serializer was turned off.
 */
export function encodeKeyvValue(value: unknown, operation: string, key: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.INVALID_VALUE,
    message:
      `Keyv handed the store a ${value === null ? 'null' : typeof value}, not a string: ` +
      "KeyvCachestack stores Keyv's serialized strings, so keep Keyv's default `serialize`/`deserialize` " +
      '(or pass ones that produce strings)',
    operation,
    key,
  });
}

/**
 * Stored bytes back to Keyv's string. Bytes that are not UTF-8 (an entry
 * written by something other than Keyv) are a PERMANENT `CORRUPT` error.
 */
export function decodeKeyvValue(bytes: Uint8Array, operation: string, key: string): string {
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new BackendError({
      type: BackendErrorType.PERMANENT,
      code: BackendErrorCode.CORRUPT,
      message: 'the stored value is not UTF-8 text: was it written by something other than Keyv?',
      operation,
      key,
      cause: error,
    });
  }
}

/** A Keyv TTL that means "already expired": the entry is deleted instead of written. */
export const ALREADY_EXPIRED = Symbol('already expired');

/**
 * Keyv's TTL (ms) as a backend TTL. Keyv means "no expiry" by `undefined`,
 * `0` (and `Infinity`, which its JSON envelope stores as no expiry); a
 * negative TTL gives an entry that is already expired. Our backends reject
 * 0 and negatives, so they are mapped here; anything else goes through
 * core's `normalizeTtl` (NaN, strings or TTLs over `MAX_TTL_MS`:
 * `INVALID_TTL`).
 * @returns whole ms, `undefined` for no expiry, or {@link ALREADY_EXPIRED}.
 */
export function keyvTtlToBackendTtl(
  ttl: unknown,
  operation: string,
  key: string,
): number | undefined | typeof ALREADY_EXPIRED {
  if (ttl === undefined || ttl === null || ttl === 0 || ttl === Number.POSITIVE_INFINITY) {
    return undefined;
  }
  if (typeof ttl === 'number' && ttl < 0) return ALREADY_EXPIRED;
  return normalizeTtl(ttl, operation, key);
}
