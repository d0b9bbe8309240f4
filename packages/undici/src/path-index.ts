import { corrupt } from './entry-codec.js';
import type { VaryValues } from './vary.js';

/** One stored response of a path, as listed in the path's index. */
export interface IndexedVariant {
  /** Random id: the response is the backend value `<prefix>e:<id>`. */
  id: string;
  /** Request method it answers, e.g. `GET`. */
  method: string;
  /** Request header values it was selected by (its `Vary`), if any. */
  vary: VaryValues | undefined;
  /** When it must no longer be used, epoch ms. */
  deleteAt: number;
}

/**
 * The index of one origin and path: every stored response (method and `Vary`
 * variant), oldest first. It is what lets `get` find the variant a request
 * matches and `delete` remove them all in one call.
 */
export interface PathIndex {
  origin: string;
  path: string;
  variants: IndexedVariant[];
}

const FORMAT = 1;

/** The index as a backend value (JSON). */
export function encodeIndex(index: PathIndex): Buffer {
  return Buffer.from(
    JSON.stringify({
      format: FORMAT,
      origin: index.origin,
      path: index.path,
      variants: index.variants,
    }),
    'utf8',
  );
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isVariant(value: unknown): value is IndexedVariant {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.method === 'string' &&
    (value.vary === undefined || isObject(value.vary)) &&
    typeof value.deleteAt === 'number'
  );
}

/**
 * Decodes an index written by {@link encodeIndex} for `origin` and `path`.
 * @throws BackendError `CORRUPT` when the bytes are not such an index, or an
 * index of another origin and path (a hash collision).
 */
export function decodeIndex(
  bytes: Uint8Array,
  origin: string,
  path: string,
  backendKey: string,
): PathIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString());
  } catch (error) {
    throw corrupt('path index is not JSON', backendKey, error);
  }
  if (
    !isObject(parsed) ||
    parsed.format !== FORMAT ||
    !Array.isArray(parsed.variants) ||
    !parsed.variants.every(isVariant)
  ) {
    throw corrupt('path index is malformed', backendKey);
  }
  if (parsed.origin !== origin || parsed.path !== path) {
    throw corrupt('path index belongs to another origin and path', backendKey);
  }
  return { origin, path, variants: parsed.variants as IndexedVariant[] };
}
