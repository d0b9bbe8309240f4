import { isAscii, isUtf8 } from 'node:buffer';
import { bufferView } from './buffer-view.js';
import type { Serializer } from './serializer.js';
import { decodeTaggedJson, encodeTaggedJson } from './tagged-json.js';

/**
 * First byte of every value written by {@link defaultSerializer}: the format
 * of the rest. New formats get new tags; old tags stay readable.
 */
export const DefaultSerializerTag = {
  /** A string that is well-formed Unicode, as UTF-8. */
  STRING: 0x01,
  /** A number, as a little-endian float64 (NaN, ±Infinity and -0 included). */
  NUMBER: 0x02,
  /** A plain `Uint8Array`, as its bytes. */
  BYTES: 0x03,
  /** A `Buffer`, as its bytes. */
  BUFFER: 0x04,
  /** Anything else: tagged JSON (UTF-8), see {@link defaultSerializer}. */
  TAGGED_JSON: 0x05,
  /**
   * Tagged JSON that also holds runs of array holes (written only for values
   * containing a sparse array, so every other value keeps its `TAGGED_JSON`
   * bytes; a version that predates it reads it as corrupt, never as
   * something else).
   */
  TAGGED_JSON_HOLES: 0x06,
} as const;

/**
 * The deepest nesting {@link defaultSerializer} encodes: 1,000 levels, where
 * every object and array of the encoded form is one level (the root is level
 * 1). `Date`, `BigInt`, `undefined`, special numbers, byte arrays and a run of
 * array holes are written as small objects, so each is one level; a `Set`
 * adds two (its element list) and a `Map` three (entry list and pair). A
 * deeper value is rejected with a `TypeError` naming the limit (the cache
 * turns it into `INVALID_VALUE`), never a stack overflow: encoding recurses
 * through `JSON.stringify` and this bound keeps it to about a quarter of
 * Node's default stack. Decoding does not recurse, so entries of any depth
 * written by earlier versions still decode.
 */
export const DEFAULT_SERIALIZER_MAX_DEPTH = 1_000;

/**
 * `reserve` uninitialised bytes (the caller fills them), the format `tag`,
 * then `text` as UTF-8, in one `Buffer` (small ones from Node's shared pool).
 * An ASCII string, the common case, is written as Latin-1 (the same bytes,
 * written faster).
 */
function textAfter(reserve: number, tag: number, text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(reserve + 1 + length);
  out[reserve] = tag;
  // As many UTF-8 bytes as UTF-16 units: every unit is ASCII.
  out.write(text, reserve + 1, length, length === text.length ? 'latin1' : 'utf8');
  return out;
}

/** `reserve` uninitialised bytes, the format `tag`, then a copy of `bytes`. */
function bytesAfter(reserve: number, tag: number, bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(reserve + 1 + bytes.byteLength);
  out[reserve] = tag;
  out.set(bytes, reserve + 1);
  return out;
}

/**
 * The {@link defaultSerializer} encoding of `value` after `reserve`
 * uninitialised bytes, in one allocation: the cache writes its entry header
 * there instead of copying the payload behind it. The result may be a slice
 * of Node's shared `Buffer` pool (for a value the caller hands to a backend,
 * which copies what it keeps). Throws what `serialize` throws.
 * @internal
 */
export function encodeDefaultAfter(reserve: number, value: unknown): Buffer {
  if (typeof value === 'string' && value.isWellFormed()) {
    return textAfter(reserve, DefaultSerializerTag.STRING, value);
  }
  if (typeof value === 'number') {
    const out = Buffer.allocUnsafe(reserve + 9);
    out[reserve] = DefaultSerializerTag.NUMBER;
    out.writeDoubleLE(value, reserve + 1);
    return out;
  }
  if (value instanceof Uint8Array) {
    const tag = Buffer.isBuffer(value) ? DefaultSerializerTag.BUFFER : DefaultSerializerTag.BYTES;
    return bytesAfter(reserve, tag, value);
  }
  const { json, holes } = encodeTaggedJson(value, DEFAULT_SERIALIZER_MAX_DEPTH);
  const tag = holes ? DefaultSerializerTag.TAGGED_JSON_HOLES : DefaultSerializerTag.TAGGED_JSON;
  return textAfter(reserve, tag, json);
}

/**
 * The text after the one-byte format tag of `bytes` (the tag is ASCII, so
 * the whole array is valid UTF-8, or ASCII, exactly when the text is).
 * Invalid UTF-8 throws a `TypeError`; nothing is replaced and a leading
 * U+FEFF is kept (it is part of the string that was written).
 */
function textOf(bytes: Buffer): string {
  if (isAscii(bytes)) return bytes.toString('latin1', 1);
  if (!isUtf8(bytes)) throw new TypeError('the text is not valid UTF-8');
  return bytes.toString('utf8', 1);
}

/**
 * The default {@link Serializer}. Round-trips JSON values plus `Date`
 * (invalid dates included), `BigInt`, `Map`, `Set`, `Uint8Array` and
 * `Buffer` (each comes back as the same kind), `undefined` inside objects
 * and arrays, sparse arrays (holes stay holes), `null`, `NaN`, `±Infinity`
 * and `-0`, nested up to {@link DEFAULT_SERIALIZER_MAX_DEPTH} levels.
 *
 * Format: one tag byte ({@link DefaultSerializerTag}) then the body. Strings,
 * numbers and byte arrays at the top level take a fast path (UTF-8, float64,
 * raw bytes); everything else is JSON where special values are objects with
 * a `"\u0000"` property (an ordinary object that has such a property is
 * escaped, so no value is ever mistaken for another).
 *
 * Like JSON, it keeps own enumerable string-keyed properties only (class
 * instances come back as plain objects) and calls `toJSON` when present.
 * Functions, symbols, circular references, typed arrays other than
 * `Uint8Array` and values nested deeper than
 * {@link DEFAULT_SERIALIZER_MAX_DEPTH} throw a `TypeError`.
 */
export const defaultSerializer: Serializer = {
  name: 'default',
  serialize(value: unknown): Uint8Array {
    const out = encodeDefaultAfter(0, value);
    // A plain Uint8Array over its own memory, as before (never a pool slice).
    return new Uint8Array(out);
  },
  deserialize(bytes: Uint8Array): unknown {
    if (bytes.byteLength === 0) throw new TypeError('empty input: no format tag');
    const view = bufferView(bytes);
    switch (view[0]) {
      case DefaultSerializerTag.STRING:
        return textOf(view);
      case DefaultSerializerTag.NUMBER:
        if (view.byteLength !== 9)
          throw new TypeError(`a number needs 8 bytes, got ${view.byteLength - 1}`);
        return view.readDoubleLE(1);
      case DefaultSerializerTag.BYTES:
        return new Uint8Array(view.subarray(1));
      case DefaultSerializerTag.BUFFER:
        return Buffer.from(view.subarray(1));
      case DefaultSerializerTag.TAGGED_JSON:
        return decodeTaggedJson(textOf(view), false);
      case DefaultSerializerTag.TAGGED_JSON_HOLES:
        return decodeTaggedJson(textOf(view), true);
      default:
        throw new TypeError(`unknown format tag 0x${(view[0] ?? 0).toString(16).padStart(2, '0')}`);
    }
  },
};
