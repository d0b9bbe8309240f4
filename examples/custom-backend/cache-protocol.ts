/**
 * The wire protocol of the example cache service, as its documentation would
 * describe it. Both the service ({@link ./cache-service.ts}) and the client
 * backend ({@link ./http-cache-backend.ts}) follow it; a real client would
 * carry its own copy of these few constants.
 *
 * | request                               | answer                                                                  |
 * | ------------------------------------- | ----------------------------------------------------------------------- |
 * | `GET /v1/entries/:namespace/:key`     | 200 + raw bytes + `Cache-TTL-Ms`, or 404                                |
 * | `HEAD /v1/entries/:namespace/:key`    | 200 + `Cache-TTL-Ms` (no body), or 404                                  |
 * | `PUT /v1/entries/:namespace/:key`     | 204; body = raw bytes; optional `Cache-TTL-Ms` request header; 413 when too large |
 * | `PATCH /v1/entries/:namespace/:key`   | 204 (expiry replaced by the `Cache-TTL-Ms` request header), or 404     |
 * | `DELETE /v1/entries/:namespace/:key`  | 204 when it existed, 404 otherwise                                      |
 * | `DELETE /v1/entries/:namespace`       | 204: every entry of the namespace removed                               |
 * | `GET /v1/health`                      | 200 + JSON `{ entries }`                                                |
 *
 * Every request needs `Authorization: Bearer <token>` (401 otherwise). Bad
 * input is 400, a wrong method 405.
 */

/** Request and response header carrying a TTL in whole ms; `none` in a response means "no expiry". */
export const TTL_HEADER = 'cache-ttl-ms';

/** The value of {@link TTL_HEADER} in a response for an entry that never expires. */
export const NO_EXPIRY = 'none';

/** Path prefix of every entry. */
export const ENTRIES_PATH = '/v1/entries';

/** Path of the health probe. */
export const HEALTH_PATH = '/v1/health';

/** Namespaces: 1 to 128 characters of `[A-Za-z0-9_-]`, so they are safe path segments as they are. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A key as one path segment: the base64url form of its UTF-8 bytes.
 *
 * Plain percent-encoding is not enough: the keys `.` and `..` (and their
 * `%2e` spellings) are dot segments, which every WHATWG URL parser — the one
 * inside `fetch` included — removes before the request is sent. base64url
 * segments never consist of dots only, never contain `/`, and survive proxies
 * unchanged.
 */
export function encodeKeySegment(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/**
 * The key a path segment stands for, or `undefined` when the segment is not
 * canonical base64url of well-formed UTF-8 (so each key has exactly one path).
 */
export function decodeKeySegment(segment: string): string | undefined {
  if (segment === '' || !/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  const key = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return encodeKeySegment(key) === segment ? key : undefined;
}
