import { crc32 } from 'node:zlib';

/** The first four bytes of every entry file: `CSTF` (cachestack file). */
export const ENTRY_MAGIC = 0x46545343;

/** The entry file format version this package writes and reads. */
export const ENTRY_FORMAT_VERSION = 1;

/**
 * Size of the fixed part of the header, in bytes:
 * magic (4) · version (1) · reserved (3) · expiresAt (8, float64 epoch ms, 0 = none) ·
 * key length (4) · value length (4) · CRC-32 (4).
 */
export const HEADER_BYTES = 28;

const CHECKSUM_OFFSET = 24;

/** A decoded entry file. */
export interface DecodedEntry {
  /** Absolute expiry in epoch ms, or 0 for none. */
  expiresAt: number;
  /** The original key. */
  key: string;
  /** The value: a view into the buffer passed to {@link decodeEntry}. */
  value: Buffer;
}

/** Why {@link decodeEntry} rejected a buffer. */
export type CorruptionReason =
  | 'empty'
  | 'truncated'
  | 'bad-magic'
  | 'bad-version'
  | 'bad-length'
  | 'bad-checksum'
  | 'key-mismatch';

/**
 * Encodes a whole entry file (header, key, then a copy of the value) into
 * one new buffer, so later changes to `value` do not affect what is stored.
 * The checksum covers the header fields, the key and the value.
 * @param allocate - gives the buffer of the entry's size to encode into.
 * @param expiresAt - absolute expiry in epoch ms, or 0 for none.
 */
export function encodeEntry(
  key: string,
  value: Uint8Array,
  expiresAt: number,
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  const keyLength = Buffer.byteLength(key, 'utf8');
  const valueOffset = HEADER_BYTES + keyLength;
  const file = allocate(valueOffset + value.byteLength);
  file.writeUInt32LE(ENTRY_MAGIC, 0);
  file.writeUInt8(ENTRY_FORMAT_VERSION, 4);
  file.fill(0, 5, 8);
  file.writeDoubleLE(expiresAt, 8);
  file.writeUInt32LE(keyLength, 16);
  file.writeUInt32LE(value.byteLength, 20);
  file.write(key, HEADER_BYTES, 'utf8');
  file.set(value, valueOffset);
  file.writeUInt32LE(checksum(file, keyLength, file.subarray(valueOffset)), CHECKSUM_OFFSET);
  return file;
}

function checksum(head: Buffer, keyLength: number, value: Uint8Array): number {
  const fields = crc32(head.subarray(0, CHECKSUM_OFFSET));
  const withKey = crc32(head.subarray(HEADER_BYTES, HEADER_BYTES + keyLength), fields);
  return crc32(value, withKey);
}

/**
 * Reads the absolute expiry (epoch ms, 0 = none) from the first
 * {@link HEADER_BYTES} of an entry, or `undefined` when the header is not
 * one this version wrote. Does not verify the checksum.
 */
export function peekExpiry(header: Buffer): number | undefined {
  if (header.length < HEADER_BYTES) return undefined;
  if (header.readUInt32LE(0) !== ENTRY_MAGIC || header.readUInt8(4) !== ENTRY_FORMAT_VERSION) {
    return undefined;
  }
  const expiresAt = header.readDoubleLE(8);
  return Number.isFinite(expiresAt) && expiresAt >= 0 ? expiresAt : undefined;
}

/**
 * The whole entry file's size in bytes as its header states it, or
 * `undefined` when the header is not one this version wrote.
 */
export function entrySizeFromHeader(header: Buffer): number | undefined {
  if (peekExpiry(header) === undefined) return undefined;
  return HEADER_BYTES + header.readUInt32LE(16) + header.readUInt32LE(20);
}

/**
 * Parses and verifies a whole entry file. Returns the entry, or the reason
 * it is corrupt. When `expectedKey` is given, an entry for another key (a
 * hash collision or a file copied into place) is reported as `key-mismatch`.
 */
export function decodeEntry(
  file: Buffer,
  expectedKey?: string,
): DecodedEntry | { corrupt: CorruptionReason } {
  if (file.length === 0) return { corrupt: 'empty' };
  if (file.length < HEADER_BYTES) return { corrupt: 'truncated' };
  if (file.readUInt32LE(0) !== ENTRY_MAGIC) return { corrupt: 'bad-magic' };
  if (file.readUInt8(4) !== ENTRY_FORMAT_VERSION) return { corrupt: 'bad-version' };
  const expiresAt = file.readDoubleLE(8);
  const keyLength = file.readUInt32LE(16);
  const valueLength = file.readUInt32LE(20);
  const total = HEADER_BYTES + keyLength + valueLength;
  if (total > file.length) return { corrupt: 'truncated' };
  if (total < file.length || !Number.isFinite(expiresAt) || expiresAt < 0) {
    return { corrupt: 'bad-length' };
  }
  const value = file.subarray(HEADER_BYTES + keyLength);
  if (checksum(file, keyLength, value) !== file.readUInt32LE(CHECKSUM_OFFSET)) {
    return { corrupt: 'bad-checksum' };
  }
  const key = file.toString('utf8', HEADER_BYTES, HEADER_BYTES + keyLength);
  if (expectedKey !== undefined && key !== expectedKey) return { corrupt: 'key-mismatch' };
  return { expiresAt, key, value };
}

/** True when `expiresAt` (epoch ms, 0 = none) has passed at `now`. */
export function isExpired(expiresAt: number, now: number): boolean {
  return expiresAt !== 0 && expiresAt <= now;
}
