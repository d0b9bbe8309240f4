/** Entries smaller than this (bytes) are encoded into ordinary buffers. */
const POOLED_MIN_BYTES = 64 * 1024;
/** Buffers larger than this (bytes) are never kept for reuse. */
const POOLED_MAX_BYTES = 4 * 1024 * 1024;
/** Most bytes kept for reuse in the whole process. */
const POOL_CAPACITY_BYTES = 16 * 1024 * 1024;

const free: Buffer[] = [];
let pooledBytes = 0;

function capacityFor(size: number): number {
  return 2 ** Math.ceil(Math.log2(size));
}

/**
 * A buffer of exactly `size` bytes to encode an entry into before writing it.
 * Between 64 KiB and 4 MiB it is a view into a reusable buffer: a freshly
 * allocated large buffer costs page faults and an mmap/munmap per write,
 * which made writes of 1 MiB several times slower than the write itself.
 * Hand it back with {@link releaseWriteBuffer} once the write has finished.
 */
export function takeWriteBuffer(size: number): Buffer {
  if (size < POOLED_MIN_BYTES || size > POOLED_MAX_BYTES) return Buffer.allocUnsafe(size);
  const index = free.findIndex((buffer) => buffer.length >= size && buffer.length < size * 2);
  if (index >= 0) {
    const [buffer] = free.splice(index, 1) as [Buffer];
    pooledBytes -= buffer.length;
    return buffer.subarray(0, size);
  }
  return Buffer.allocUnsafeSlow(capacityFor(size)).subarray(0, size);
}

/**
 * Returns a buffer from {@link takeWriteBuffer} for reuse (at most 16 MiB
 * are kept per process). The caller must not use it afterwards.
 */
export function releaseWriteBuffer(view: Buffer): void {
  if (view.length < POOLED_MIN_BYTES || view.length > POOLED_MAX_BYTES) return;
  const whole = Buffer.from(view.buffer, 0, view.buffer.byteLength);
  if (view.byteOffset !== 0 || pooledBytes + whole.length > POOL_CAPACITY_BYTES) return;
  free.push(whole);
  pooledBytes += whole.length;
}
