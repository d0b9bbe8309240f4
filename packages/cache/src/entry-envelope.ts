import { bufferView } from './buffer-view.js';
import { type TagStamp, TOKEN_BYTES } from './tag-versions.js';

/**
 * The header the cache stores in front of every serialized value, so that
 * freshness and grace work the same on every backend and across processes
 * (wall-clock epoch ms, the clock file and SQLite backends share).
 *
 * Layout (18 bytes, then the serializer's bytes):
 * - byte 0: {@link ENVELOPE_MAGIC} (format version 1)
 * - byte 1: flags: 0, or {@link ENVELOPE_FLAG_TAGS} when a tag block follows
 * - bytes 2–9: `freshUntil`, float64 little-endian epoch ms (`Infinity`: never stale)
 * - bytes 10–17: `staleUntil`, float64 little-endian epoch ms (`>= freshUntil`)
 * - with {@link ENVELOPE_FLAG_TAGS}: uint16 LE tag count, then per tag a
 *   uint16 LE byte length, the tag's UTF-8 bytes, and the two 8-byte tag
 *   versions (invalidate, expire) observed when the entry was written
 */
export const ENVELOPE_MAGIC = 0xca;

/** Flag bit: the header is followed by the entry's tags and their observed versions. */
export const ENVELOPE_FLAG_TAGS = 0x01;

/** Size of the envelope header, in bytes. */
export const ENVELOPE_HEADER_BYTES = 18;

/** The stamps of every untagged entry (one shared empty list). */
const NO_STAMPS: readonly TagStamp[] = Object.freeze([]);

/** A decoded envelope. */
export interface Envelope {
  /** Epoch ms until which the value is fresh (`Infinity`: always). */
  freshUntil: number;
  /** Epoch ms until which the value may be served stale (`>= freshUntil`). */
  staleUntil: number;
  /** The serializer's bytes (a view into the stored bytes). */
  payload: Uint8Array;
  /** The entry's tags with the versions observed at write time (empty: untagged). */
  stamps: readonly TagStamp[];
}

/**
 * The tag block of an entry (see the layout above), or `undefined` for an
 * untagged entry (no block, flags 0).
 */
export function encodeTagBlock(stamps: readonly TagStamp[]): Buffer | undefined {
  if (stamps.length === 0) return undefined;
  const parts = stamps.map((stamp) => Buffer.from(stamp.tag, 'utf8'));
  const size = 2 + parts.reduce((sum, part) => sum + 2 + part.byteLength + 2 * TOKEN_BYTES, 0);
  const out = Buffer.alloc(size);
  let at = out.writeUInt16LE(stamps.length, 0);
  stamps.forEach((stamp, i) => {
    const part = parts[i] as Buffer;
    at = out.writeUInt16LE(part.byteLength, at);
    at += part.copy(out, at);
    at += out.write(stamp.hard, at, TOKEN_BYTES, 'hex');
    at += out.write(stamp.soft, at, TOKEN_BYTES, 'hex');
  });
  return out;
}

/**
 * Bytes the envelope puts in front of the payload: the header, plus the tag
 * block when there is one (from {@link encodeTagBlock}).
 */
export function envelopePrefixBytes(tagBlock: Uint8Array | undefined): number {
  return ENVELOPE_HEADER_BYTES + (tagBlock === undefined ? 0 : tagBlock.byteLength);
}

/**
 * Writes the header (and the tag block) into the first
 * {@link envelopePrefixBytes} bytes of `out`, whose payload follows them:
 * how an entry is built in one allocation, the payload encoded in place.
 */
export function writeEnvelopePrefix(
  out: Buffer,
  freshUntil: number,
  staleUntil: number,
  tagBlock: Uint8Array | undefined,
): void {
  out[0] = ENVELOPE_MAGIC;
  out[1] = tagBlock === undefined ? 0 : ENVELOPE_FLAG_TAGS;
  out.writeDoubleLE(freshUntil, 2);
  out.writeDoubleLE(staleUntil, 10);
  if (tagBlock !== undefined) out.set(tagBlock, ENVELOPE_HEADER_BYTES);
}

/** Wraps `payload` in an envelope header (a copy: the payload is left as it was). */
export function encodeEnvelope(
  payload: Uint8Array,
  freshUntil: number,
  staleUntil: number,
  stamps: readonly TagStamp[] = [],
): Buffer {
  const tagBlock = encodeTagBlock(stamps);
  const out = payloadAfter(envelopePrefixBytes(tagBlock), payload);
  writeEnvelopePrefix(out, freshUntil, staleUntil, tagBlock);
  return out;
}

/**
 * A copy of `payload` after `prefix` uninitialised bytes (for the envelope
 * prefix, written with {@link writeEnvelopePrefix}), in one `Buffer`.
 */
export function payloadAfter(prefix: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(prefix + payload.byteLength);
  out.set(payload, prefix);
  return out;
}

/** Decodes the tag block at the start of `bytes`; a reason string when it is damaged. */
function decodeStamps(bytes: Buffer): { stamps: TagStamp[]; length: number } | string {
  const damaged = 'cache header has a damaged tag block';
  if (bytes.byteLength < 2) return damaged;
  const count = bytes.readUInt16LE(0);
  let at = 2;
  const stamps: TagStamp[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 2 > bytes.byteLength) return damaged;
    const length = bytes.readUInt16LE(at);
    at += 2;
    if (at + length + 2 * TOKEN_BYTES > bytes.byteLength) return damaged;
    const tag = bytes.toString('utf8', at, at + length);
    at += length;
    const hard = bytes.toString('hex', at, at + TOKEN_BYTES);
    const soft = bytes.toString('hex', at + TOKEN_BYTES, at + 2 * TOKEN_BYTES);
    at += 2 * TOKEN_BYTES;
    stamps.push({ tag, hard, soft });
  }
  return { stamps, length: at };
}

/**
 * Reads the header of stored bytes.
 * @returns the envelope, or a reason string when the bytes are not one.
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope | string {
  if (bytes.byteLength < ENVELOPE_HEADER_BYTES) {
    return `stored value is ${bytes.byteLength} bytes, shorter than the ${ENVELOPE_HEADER_BYTES}-byte cache header`;
  }
  const flags = bytes[1];
  if (bytes[0] !== ENVELOPE_MAGIC || (flags !== 0 && flags !== ENVELOPE_FLAG_TAGS)) {
    return 'stored value does not start with the cache header (written by something else, or corrupt)';
  }
  // A Buffer reads the times without a DataView, and its payload is a Buffer too.
  const view = bufferView(bytes);
  const freshUntil = view.readDoubleLE(2);
  const staleUntil = view.readDoubleLE(10);
  if (Number.isNaN(freshUntil) || Number.isNaN(staleUntil) || staleUntil < freshUntil) {
    return 'cache header has invalid freshness times';
  }
  const rest = view.subarray(ENVELOPE_HEADER_BYTES);
  if (flags === 0) return { freshUntil, staleUntil, payload: rest, stamps: NO_STAMPS };
  const tags = decodeStamps(rest);
  if (typeof tags === 'string') return tags;
  return { freshUntil, staleUntil, payload: rest.subarray(tags.length), stamps: tags.stamps };
}
