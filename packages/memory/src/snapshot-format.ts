import { createHash } from 'node:crypto';
import { assertValidKey } from '@cachestack/core';

/**
 * The 8 bytes every snapshot file starts with: `CSMEMSNP` in ASCII
 * ("cachestack memory snapshot").
 */
export const SNAPSHOT_MAGIC = Buffer.from('CSMEMSNP', 'latin1');

/** The snapshot format version this package writes and reads. */
export const SNAPSHOT_VERSION = 1;

/** Header: magic (8) + version u16 (2) + flags u16 (2) + entry count u32 (4) + saved-at f64 (8). */
const HEADER_BYTES = 24;
/** Per entry, before the key and value: key length u16 + value length u32 + expires-at f64. */
const ENTRY_HEADER_BYTES = 14;
/** Trailer: SHA-256 of every byte before it. */
const DIGEST_BYTES = 32;
/** Entries are grouped into chunks of about this many bytes for writing. */
const CHUNK_BYTES = 64 * 1024;
const MAX_VALUE_BYTES = 0xffff_ffff;

/** One entry as stored in a snapshot. */
export interface SnapshotEntry {
  /** The key. */
  key: string;
  /** The value's bytes (not copied by the encoder). */
  value: Uint8Array;
  /** Wall-clock expiry in epoch ms, or `0` for no expiry. */
  expiresAt: number;
}

/** Why a snapshot could not be read; `reason` is one short sentence. */
export class SnapshotFormatError extends Error {
  /** @param reason - what is wrong with the file, as one short sentence. */
  constructor(reason: string) {
    super(reason);
    this.name = 'SnapshotFormatError';
  }
}

/**
 * Encodes entries as snapshot bytes, in chunks of about 64 KiB, ending with
 * the SHA-256 trailer. All integers are big-endian.
 *
 * ```text
 * header  magic "CSMEMSNP" (8) | version u16 | flags u16 (0) | count u32 | savedAt f64 epoch ms
 * entry   keyBytes u16 | valueBytes u32 | expiresAt f64 epoch ms (0 = never) | key UTF-8 | value
 * trailer SHA-256 of all preceding bytes (32)
 * ```
 * @param savedAt - wall-clock time of the save, in epoch ms.
 */
export function* encodeSnapshot(
  entries: readonly SnapshotEntry[],
  savedAt: number,
): Generator<Uint8Array> {
  const hash = createHash('sha256');
  const header = Buffer.alloc(HEADER_BYTES);
  SNAPSHOT_MAGIC.copy(header, 0);
  header.writeUInt16BE(SNAPSHOT_VERSION, 8);
  header.writeUInt16BE(0, 10);
  header.writeUInt32BE(entries.length, 12);
  header.writeDoubleBE(savedAt, 16);
  hash.update(header);
  yield header;

  let parts: Uint8Array[] = [];
  let pending = 0;
  for (const entry of entries) {
    const key = Buffer.from(entry.key, 'utf8');
    if (entry.value.byteLength > MAX_VALUE_BYTES) {
      throw new SnapshotFormatError(`value of ${entry.value.byteLength} bytes is too large`);
    }
    const entryHeader = Buffer.allocUnsafe(ENTRY_HEADER_BYTES);
    entryHeader.writeUInt16BE(key.byteLength, 0);
    entryHeader.writeUInt32BE(entry.value.byteLength, 2);
    entryHeader.writeDoubleBE(entry.expiresAt, 6);
    parts.push(entryHeader, key, entry.value);
    pending += ENTRY_HEADER_BYTES + key.byteLength + entry.value.byteLength;
    if (pending >= CHUNK_BYTES) {
      const chunk = Buffer.concat(parts, pending);
      hash.update(chunk);
      yield chunk;
      parts = [];
      pending = 0;
    }
  }
  if (pending > 0) {
    const chunk = Buffer.concat(parts, pending);
    hash.update(chunk);
    yield chunk;
  }
  yield hash.digest();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes snapshot bytes, checking magic, version, checksum and every length.
 * @returns the entries in file order (least recently used first).
 * @throws SnapshotFormatError saying what is wrong: foreign file, unsupported
 * version, truncated, checksum mismatch or malformed entry.
 */
export function decodeSnapshot(bytes: Uint8Array): SnapshotEntry[] {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.byteLength < SNAPSHOT_MAGIC.byteLength || !data.subarray(0, 8).equals(SNAPSHOT_MAGIC)) {
    throw new SnapshotFormatError('not a cachestack memory snapshot (wrong magic bytes)');
  }
  if (data.byteLength < HEADER_BYTES + DIGEST_BYTES) {
    throw new SnapshotFormatError(`truncated: ${data.byteLength} bytes is shorter than a header`);
  }
  const version = data.readUInt16BE(8);
  if (version !== SNAPSHOT_VERSION) {
    throw new SnapshotFormatError(
      `unsupported snapshot version ${version}; this package reads version ${SNAPSHOT_VERSION}`,
    );
  }
  const bodyEnd = data.byteLength - DIGEST_BYTES;
  const digest = createHash('sha256').update(data.subarray(0, bodyEnd)).digest();
  if (!digest.equals(data.subarray(bodyEnd))) {
    throw new SnapshotFormatError('checksum mismatch: the file is truncated or corrupt');
  }
  const count = data.readUInt32BE(12);
  const entries: SnapshotEntry[] = [];
  let offset = HEADER_BYTES;
  for (let index = 0; index < count; index++) {
    if (offset + ENTRY_HEADER_BYTES > bodyEnd) {
      throw new SnapshotFormatError(`entry ${index} of ${count} runs past the end of the file`);
    }
    const keyBytes = data.readUInt16BE(offset);
    const valueBytes = data.readUInt32BE(offset + 2);
    const expiresAt = data.readDoubleBE(offset + 6);
    offset += ENTRY_HEADER_BYTES;
    if (offset + keyBytes + valueBytes > bodyEnd) {
      throw new SnapshotFormatError(`entry ${index} of ${count} runs past the end of the file`);
    }
    if (!Number.isFinite(expiresAt) || expiresAt < 0) {
      throw new SnapshotFormatError(`entry ${index} has an invalid expiry ${expiresAt}`);
    }
    let key: string;
    try {
      key = utf8.decode(data.subarray(offset, offset + keyBytes));
      assertValidKey(key, 'open');
    } catch {
      throw new SnapshotFormatError(`entry ${index} has an invalid key`);
    }
    offset += keyBytes;
    const value = new Uint8Array(valueBytes);
    value.set(data.subarray(offset, offset + valueBytes));
    offset += valueBytes;
    entries.push({ key, value, expiresAt });
  }
  if (offset !== bodyEnd) {
    throw new SnapshotFormatError(`${bodyEnd - offset} unexpected bytes after the last entry`);
  }
  return entries;
}
