import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** A compression algorithm the {@link CompressionBackend} can write. */
export type CompressionAlgorithm = 'gzip' | 'brotli' | 'zstd';

/** Algorithm ids in the entry header; 0 is a plain value stored behind a header. */
export const ALGORITHM_IDS: Readonly<Record<CompressionAlgorithm | 'stored', number>> = {
  stored: 0,
  gzip: 1,
  brotli: 2,
  zstd: 3,
};

type Sync = (input: Uint8Array, options: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer;
type Async = (input: Uint8Array, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>;

/** One algorithm's functions from `node:zlib`, with levels applied. */
export interface Codec {
  readonly name: CompressionAlgorithm;
  readonly id: number;
  compressSync(input: Uint8Array): Buffer;
  compress(input: Uint8Array): Promise<Buffer>;
  decompressSync(input: Uint8Array, maxOutputLength: number): Buffer;
  decompress(input: Uint8Array, maxOutputLength: number): Promise<Buffer>;
}

type ZlibWithZstd = typeof zlib & {
  zstdCompressSync?: Sync;
  zstdDecompressSync?: Sync;
  zstdCompress?: (...args: unknown[]) => void;
  zstdDecompress?: (...args: unknown[]) => void;
  constants: typeof zlib.constants & { ZSTD_c_compressionLevel?: number };
};

const z = zlib as ZlibWithZstd;

/** True when the running Node.js offers zstd in `node:zlib` (Node >= 22.15 / 23.8; not Node 20). */
export function zstdAvailable(): boolean {
  return typeof z.zstdCompressSync === 'function' && typeof z.zstdDecompress === 'function';
}

/** The default level of each algorithm: a speed-leaning choice for a cache. */
export const DEFAULT_LEVELS: Readonly<Record<CompressionAlgorithm, number>> = {
  gzip: 6,
  brotli: 4,
  zstd: 3,
};

/** Valid levels of each algorithm (inclusive). */
export const LEVEL_RANGES: Readonly<Record<CompressionAlgorithm, readonly [number, number]>> = {
  gzip: [1, 9],
  brotli: [0, 11],
  zstd: [1, 19],
};

function levelOptions(
  name: CompressionAlgorithm,
  level: number,
): zlib.ZlibOptions & zlib.BrotliOptions {
  if (name === 'gzip') return { level };
  if (name === 'brotli') return { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level } };
  const param = z.constants.ZSTD_c_compressionLevel ?? 100;
  return { params: { [param]: level } } as zlib.BrotliOptions;
}

function functions(name: CompressionAlgorithm): [Sync, Async, Sync, Async] {
  if (name === 'gzip') {
    return [zlib.gzipSync, promisify(zlib.gzip), zlib.gunzipSync, promisify(zlib.gunzip)];
  }
  if (name === 'brotli') {
    return [
      zlib.brotliCompressSync,
      promisify(zlib.brotliCompress),
      zlib.brotliDecompressSync,
      promisify(zlib.brotliDecompress),
    ];
  }
  return [
    z.zstdCompressSync as Sync,
    promisify(z.zstdCompress as never) as Async,
    z.zstdDecompressSync as Sync,
    promisify(z.zstdDecompress as never) as Async,
  ];
}

/** The codec for `name` at `level`; the caller checks availability first. */
export function createCodec(name: CompressionAlgorithm, level: number): Codec {
  const [compressSync, compress, decompressSync, decompress] = functions(name);
  const options = levelOptions(name, level);
  return {
    name,
    id: ALGORITHM_IDS[name],
    compressSync: (input) => compressSync(input, options),
    compress: (input) => compress(input, options),
    decompressSync: (input, maxOutputLength) => decompressSync(input, { maxOutputLength }),
    decompress: (input, maxOutputLength) => decompress(input, { maxOutputLength }),
  };
}

/** The codec with header id `id` (any level decompresses), or undefined when unknown or unavailable here. */
export function codecForId(id: number): Codec | undefined {
  let codec = decoders.get(id);
  if (codec !== undefined) return codec;
  const name = (['gzip', 'brotli', 'zstd'] as const).find(
    (algorithm) => ALGORITHM_IDS[algorithm] === id,
  );
  if (name === undefined || (name === 'zstd' && !zstdAvailable())) return undefined;
  codec = createCodec(name, DEFAULT_LEVELS[name]);
  decoders.set(id, codec);
  return codec;
}

const decoders = new Map<number, Codec>();
