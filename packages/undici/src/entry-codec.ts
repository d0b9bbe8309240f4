import { BackendError, BackendErrorCode, BackendErrorType } from '@cachestack/core';
import type { CacheKey, CacheValue, GetResult } from './undici-types.js';
import type { VaryValues } from './vary.js';

// "CSU1": cachestack undici entry, format 1. Bump when the layout changes:
// an entry in another format reads as corrupt (a miss), never misread.
const MAGIC = Buffer.from('CSU1', 'latin1');
const HEADER_BYTES = MAGIC.byteLength + 4;

/** The metadata of one stored response, as written in front of its body. */
interface EntryMetadata {
  origin: string;
  path: string;
  method: string;
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string | string[]>;
  vary?: VaryValues | undefined;
  etag?: string | undefined;
  cacheControlDirectives?: GetResult['cacheControlDirectives'] | undefined;
  cachedAt: number;
  staleAt: number;
  deleteAt: number;
}

/** A decoded entry: what `get` returns (body as one chunk) plus the key it was stored under. */
export interface DecodedEntry {
  origin: string;
  path: string;
  method: string;
  result: GetResult;
}

/**
 * One backend value for a response: `CSU1`, the metadata length (uint32 BE),
 * the metadata as JSON, then the body bytes. Self-describing, so a read can
 * check it belongs to the key it was reached from.
 */
export function encodeEntry(key: CacheKey, value: CacheValue, body: Buffer): Buffer {
  const metadata: EntryMetadata = {
    origin: key.origin,
    path: key.path,
    method: key.method,
    statusCode: value.statusCode,
    statusMessage: value.statusMessage,
    headers: value.headers ?? {},
    vary: value.vary ?? undefined,
    etag: value.etag,
    cacheControlDirectives: value.cacheControlDirectives,
    cachedAt: value.cachedAt,
    staleAt: value.staleAt,
    deleteAt: value.deleteAt,
  };
  const json = Buffer.from(JSON.stringify(metadata), 'utf8');
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(json.byteLength, MAGIC.byteLength);
  return Buffer.concat([header, json, body]);
}

/** A PERMANENT `CORRUPT` error for a stored value that does not decode. */
export function corrupt(message: string, key: string, cause?: unknown): BackendError {
  return new BackendError({
    type: BackendErrorType.PERMANENT,
    code: BackendErrorCode.CORRUPT,
    message,
    operation: 'get',
    key,
    cause,
  });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isMetadata(value: unknown): value is EntryMetadata {
  if (!isObject(value)) return false;
  return (
    typeof value.origin === 'string' &&
    typeof value.path === 'string' &&
    typeof value.method === 'string' &&
    typeof value.statusCode === 'number' &&
    typeof value.statusMessage === 'string' &&
    isObject(value.headers) &&
    (value.vary === undefined || isObject(value.vary)) &&
    (value.etag === undefined || typeof value.etag === 'string') &&
    (value.cacheControlDirectives === undefined || isObject(value.cacheControlDirectives)) &&
    typeof value.cachedAt === 'number' &&
    typeof value.staleAt === 'number' &&
    typeof value.deleteAt === 'number'
  );
}

/**
 * Decodes a value written by {@link encodeEntry}. The body is returned as an
 * array of one chunk (none when empty), the shape undici's own stores use.
 * @throws BackendError `CORRUPT` when the bytes are not such a value.
 */
export function decodeEntry(bytes: Uint8Array, backendKey: string): DecodedEntry {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.byteLength < HEADER_BYTES || !buffer.subarray(0, MAGIC.byteLength).equals(MAGIC)) {
    throw corrupt('not a cached response (bad header)', backendKey);
  }
  const length = buffer.readUInt32BE(MAGIC.byteLength);
  if (HEADER_BYTES + length > buffer.byteLength) {
    throw corrupt('cached response truncated', backendKey);
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(buffer.toString('utf8', HEADER_BYTES, HEADER_BYTES + length));
  } catch (error) {
    throw corrupt('cached response metadata is not JSON', backendKey, error);
  }
  if (!isMetadata(metadata)) throw corrupt('cached response metadata is malformed', backendKey);
  const body = buffer.subarray(HEADER_BYTES + length);
  const result: GetResult = {
    statusCode: metadata.statusCode,
    statusMessage: metadata.statusMessage,
    headers: metadata.headers,
    vary: metadata.vary,
    etag: metadata.etag,
    cacheControlDirectives: metadata.cacheControlDirectives ?? {},
    cachedAt: metadata.cachedAt,
    staleAt: metadata.staleAt,
    deleteAt: metadata.deleteAt,
    body: body.byteLength === 0 ? [] : [body],
  };
  if (metadata.vary === undefined) delete result.vary;
  if (metadata.etag === undefined) delete result.etag;
  return { origin: metadata.origin, path: metadata.path, method: metadata.method, result };
}
