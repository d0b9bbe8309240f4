import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type BaseBackend,
} from '@cachestack/core';
import { BackendWrapper } from './backend-wrapper.js';
import {
  ALGORITHM_IDS,
  type Codec,
  type CompressionAlgorithm,
  codecForId,
  createCodec,
  DEFAULT_LEVELS,
  LEVEL_RANGES,
  zstdAvailable,
} from './compression-codec.js';
import {
  checkInner,
  checkOptionsObject,
  type WrapperOptions,
  wrapperOptionNames,
} from './wrapper-options.js';

/** Options of {@link CompressionBackend}. */
export interface CompressionBackendOptions extends WrapperOptions {
  /**
   * The algorithm for new entries. Entries written with another algorithm
   * stay readable (the header names it). `'zstd'` needs a Node.js whose
   * `node:zlib` offers it (22.15+, not 20).
   * @default 'brotli'
   */
  algorithm?: CompressionAlgorithm | undefined;
  /**
   * Compression level: gzip 1–9, brotli quality 0–11, zstd 1–19.
   * @default 6 for gzip, 4 for brotli, 3 for zstd
   */
  level?: number | undefined;
  /**
   * Values shorter than this many bytes are stored as they are.
   * @default 1024
   */
  thresholdBytes?: number | undefined;
  /**
   * The largest value a stored entry may decompress to, in bytes. An entry
   * that claims or inflates to more (a decompression bomb) reads as a
   * PERMANENT `CORRUPT` error; larger values are stored uncompressed.
   * @default 67_108_864 (64 MiB)
   */
  maxDecompressedBytes?: number | undefined;
}

/**
 * The first bytes of every entry this wrapper writes with a header. Plain
 * values that happen to start with them are stored behind a header too, so
 * every value round-trips.
 */
export const COMPRESSION_MAGIC: readonly number[] = [0xce, 0x5c, 0x7a];
/** Bytes of the entry header: magic (3), format version (1), algorithm id (1), original length (uint32 BE). */
export const COMPRESSION_HEADER_BYTES = 9;
const VERSION = 1;
/** Above this many bytes (de)compression runs on the thread pool instead of blocking the event loop. */
const SYNC_LIMIT_BYTES = 64 * 1024;
const MAX_LENGTH = 0xffff_ffff;

function startsWithMagic(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 3 &&
    bytes[0] === COMPRESSION_MAGIC[0] &&
    bytes[1] === COMPRESSION_MAGIC[1] &&
    bytes[2] === COMPRESSION_MAGIC[2]
  );
}

function withHeader(algorithmId: number, originalLength: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(COMPRESSION_HEADER_BYTES + payload.length);
  out[0] = COMPRESSION_MAGIC[0] as number;
  out[1] = COMPRESSION_MAGIC[1] as number;
  out[2] = COMPRESSION_MAGIC[2] as number;
  out[3] = VERSION;
  out[4] = algorithmId;
  out.writeUInt32BE(originalLength, 5);
  out.set(payload, COMPRESSION_HEADER_BYTES);
  return out;
}

function positiveInteger(owner: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${owner}: option "${name}" must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

function resolveCodec(options: CompressionBackendOptions): Codec {
  const algorithm = options.algorithm ?? 'brotli';
  if (!Object.hasOwn(DEFAULT_LEVELS, algorithm)) {
    throw new TypeError(
      `CompressionBackend: option "algorithm" must be 'gzip', 'brotli' or 'zstd', got ${String(algorithm)}`,
    );
  }
  if (algorithm === 'zstd' && !zstdAvailable()) {
    throw new TypeError(
      `CompressionBackend: option "algorithm" 'zstd' needs node:zlib zstd (Node.js >= 22.15); this is Node.js ${process.version}: use 'brotli' or 'gzip'`,
    );
  }
  const [low, high] = LEVEL_RANGES[algorithm];
  const level = options.level ?? DEFAULT_LEVELS[algorithm];
  if (typeof level !== 'number' || !Number.isInteger(level) || level < low || level > high) {
    throw new TypeError(
      `CompressionBackend: option "level" must be an integer from ${low} to ${high} for ${algorithm}, got ${String(level)}`,
    );
  }
  return createCodec(algorithm, level);
}

/** Every option name of {@link CompressionBackendOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = wrapperOptionNames<CompressionBackendOptions>({
  algorithm: true,
  level: true,
  thresholdBytes: true,
  maxDecompressedBytes: true,
});

/**
 * Compresses values of at least `thresholdBytes` with `node:zlib` (Brotli,
 * gzip, or zstd where Node offers it) over any backend, and is itself a
 * backend with exactly the wrapped backend's capabilities.
 *
 * Compressed entries carry a 9-byte self-describing header (magic, format
 * version, algorithm id, original length), so compressed and plain entries
 * coexist and the algorithm can change later. Values that would not shrink
 * are stored as they are. A stored entry that fails to decompress, or that
 * would inflate beyond `maxDecompressedBytes`, reads as a PERMANENT
 * `CORRUPT` {@link BackendError}, never as garbage and never as an
 * unbounded allocation. TTLs, locks, `keys` and `clear` pass through.
 *
 * @example
 * ```ts
 * const backend = new CompressionBackend(new RedisBackend({ url }), { thresholdBytes: 512 });
 * ```
 */
export class CompressionBackend extends BackendWrapper {
  readonly #codec: Codec;
  readonly #threshold: number;
  readonly #maxDecompressed: number;

  /**
   * @param inner - the backend that stores the (compressed) bytes.
   * @param options - see {@link CompressionBackendOptions}; a bad option throws a `TypeError` naming it.
   */
  constructor(inner: BaseBackend, options: CompressionBackendOptions = {}) {
    checkInner(inner, 'CompressionBackend');
    checkOptionsObject(options, 'CompressionBackend', OPTION_NAMES);
    super(inner, 'compressed', options, true);
    this.#codec = resolveCodec(options);
    this.#threshold = positiveInteger(
      'CompressionBackend',
      'thresholdBytes',
      options.thresholdBytes,
      1024,
    );
    this.#maxDecompressed = positiveInteger(
      'CompressionBackend',
      'maxDecompressedBytes',
      options.maxDecompressedBytes,
      64 * 1024 * 1024,
    );
  }

  /** The algorithm new entries are written with. */
  get algorithm(): CompressionAlgorithm {
    return this.#codec.name;
  }

  protected override async encode(_key: string, value: Uint8Array): Promise<Uint8Array> {
    const length = value.length;
    if (length >= this.#threshold && length <= Math.min(this.#maxDecompressed, MAX_LENGTH)) {
      const codec = this.#codec;
      const compressed =
        length <= SYNC_LIMIT_BYTES ? codec.compressSync(value) : await codec.compress(value);
      if (compressed.length + COMPRESSION_HEADER_BYTES < length) {
        return withHeader(codec.id, length, compressed);
      }
    }
    // Stored as is, unless it would be mistaken for a headed entry.
    return startsWithMagic(value) ? withHeader(ALGORITHM_IDS.stored, length, value) : value;
  }

  protected override async decode(
    key: string,
    stored: Uint8Array,
    operation: 'get' | 'getMany',
  ): Promise<Uint8Array> {
    if (!startsWithMagic(stored)) return stored;
    const corrupt = (message: string, cause?: unknown) =>
      new BackendError({
        type: BackendErrorType.PERMANENT,
        code: BackendErrorCode.CORRUPT,
        message: `compressed entry: ${message}`,
        operation,
        key,
        cause,
      });
    if (stored.length < COMPRESSION_HEADER_BYTES) throw corrupt('truncated header');
    if (stored[3] !== VERSION) throw corrupt(`unknown format version ${stored[3]}`);
    const id = stored[4] as number;
    const view = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    const length = view.readUInt32BE(5);
    const payload = stored.subarray(COMPRESSION_HEADER_BYTES);
    if (id === ALGORITHM_IDS.stored) {
      if (payload.length !== length) throw corrupt('stored length does not match the header');
      return payload;
    }
    const codec = codecForId(id);
    if (codec === undefined) {
      throw corrupt(`algorithm id ${id} is unknown or not offered by Node.js ${process.version}`);
    }
    if (length > this.#maxDecompressed) {
      throw corrupt(
        `claims ${length} bytes, more than maxDecompressedBytes (${this.#maxDecompressed})`,
      );
    }
    let output: Buffer;
    try {
      output =
        payload.length <= SYNC_LIMIT_BYTES && length <= SYNC_LIMIT_BYTES * 4
          ? codec.decompressSync(payload, length)
          : await codec.decompress(payload, length);
    } catch (error) {
      throw corrupt(`${codec.name} data does not decompress to ${length} bytes`, error);
    }
    if (output.length !== length) {
      throw corrupt(
        `${codec.name} data decompressed to ${output.length} bytes, header says ${length}`,
      );
    }
    return output;
  }

  protected override healthDetails(): Record<string, unknown> {
    return { compression: this.#codec.name };
  }
}
