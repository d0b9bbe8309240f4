/**
 * The header the cache stores in front of every serialized value, so that
 * freshness and grace work the same on every backend and across processes
 * (wall-clock epoch ms, the clock file and SQLite backends share).
 *
 * Layout (18 bytes, then the serializer's bytes):
 * - byte 0: {@link ENVELOPE_MAGIC} (format version 1)
 * - byte 1: flags (reserved, 0)
 * - bytes 2–9: `freshUntil`, float64 little-endian epoch ms (`Infinity`: never stale)
 * - bytes 10–17: `staleUntil`, float64 little-endian epoch ms (`>= freshUntil`)
 */
export const ENVELOPE_MAGIC = 0xca;

/** Size of the envelope header, in bytes. */
export const ENVELOPE_HEADER_BYTES = 18;

/** A decoded envelope. */
export interface Envelope {
  /** Epoch ms until which the value is fresh (`Infinity`: always). */
  freshUntil: number;
  /** Epoch ms until which the value may be served stale (`>= freshUntil`). */
  staleUntil: number;
  /** The serializer's bytes (a view into the stored bytes). */
  payload: Uint8Array;
}

/** Wraps `payload` in an envelope header. */
export function encodeEnvelope(
  payload: Uint8Array,
  freshUntil: number,
  staleUntil: number,
): Uint8Array {
  const out = new Uint8Array(ENVELOPE_HEADER_BYTES + payload.byteLength);
  out[0] = ENVELOPE_MAGIC;
  const view = new DataView(out.buffer);
  view.setFloat64(2, freshUntil, true);
  view.setFloat64(10, staleUntil, true);
  out.set(payload, ENVELOPE_HEADER_BYTES);
  return out;
}

/**
 * Reads the header of stored bytes.
 * @returns the envelope, or a reason string when the bytes are not one.
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope | string {
  if (bytes.byteLength < ENVELOPE_HEADER_BYTES) {
    return `stored value is ${bytes.byteLength} bytes, shorter than the ${ENVELOPE_HEADER_BYTES}-byte cache header`;
  }
  if (bytes[0] !== ENVELOPE_MAGIC || bytes[1] !== 0) {
    return 'stored value does not start with the cache header (written by something else, or corrupt)';
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, ENVELOPE_HEADER_BYTES);
  const freshUntil = view.getFloat64(2, true);
  const staleUntil = view.getFloat64(10, true);
  if (Number.isNaN(freshUntil) || Number.isNaN(staleUntil) || staleUntil < freshUntil) {
    return 'cache header has invalid freshness times';
  }
  return { freshUntil, staleUntil, payload: bytes.subarray(ENVELOPE_HEADER_BYTES) };
}
