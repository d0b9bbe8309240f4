// Self-checking values for the kill campaign, shared by the writer processes
// and the checker: the bytes are a pure function of (writer, sequence), so a
// value read back can be rebuilt and compared byte for byte.

const MAGIC = 0x56525343; // "CSRV"
const HEADER_BYTES = 12;

/** Length in bytes of the value of (writer, sequence): 12 – 65,547, spread out so large writes are common. */
export function checkedValueLength(writer, sequence) {
  const spread = (Math.imul(writer + 1, 7919) + Math.imul(sequence, 104_729)) >>> 0;
  return HEADER_BYTES + (sequence % 4 === 0 ? spread % 65_536 : spread % 2_048);
}

/** The value written for (writer, sequence). */
export function checkedValue(writer, sequence) {
  const length = checkedValueLength(writer, sequence);
  const value = Buffer.alloc(length);
  value.writeUInt32LE(MAGIC, 0);
  value.writeUInt32LE(writer, 4);
  value.writeUInt32LE(sequence, 8);
  let state = (writer * 2_654_435_761 + sequence) >>> 0;
  for (let i = HEADER_BYTES; i < length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    value[i] = state >>> 24;
  }
  return value;
}

/** `{ writer, sequence }` when `bytes` is exactly a value from {@link checkedValue}, else `undefined`. */
export function parseCheckedValue(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < HEADER_BYTES) return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.readUInt32LE(0) !== MAGIC) return undefined;
  const writer = buffer.readUInt32LE(4);
  const sequence = buffer.readUInt32LE(8);
  return checkedValue(writer, sequence).equals(buffer) ? { writer, sequence } : undefined;
}

/** The key of writer `writer`'s `sequence`-th own entry (never overwritten). */
export function ownKey(writer, sequence) {
  return `w${writer}:${sequence}`;
}

/** The shared keys every writer overwrites. */
export const HOT_KEYS = Array.from({ length: 8 }, (_, i) => `hot:${i}`);
