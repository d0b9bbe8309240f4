/**
 * `bytes` as a `Buffer` without copying: the array itself when it is one,
 * else a `Buffer` over the same memory (for `readDoubleLE`, `toString` and
 * the like on a plain `Uint8Array` a backend returned).
 */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
