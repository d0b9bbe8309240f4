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

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

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

function withTag(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.byteLength + 1);
  out[0] = tag;
  out.set(body, 1);
  return out;
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
    if (typeof value === 'string' && value.isWellFormed()) {
      return withTag(DefaultSerializerTag.STRING, encoder.encode(value));
    }
    if (typeof value === 'number') {
      const out = new Uint8Array(9);
      out[0] = DefaultSerializerTag.NUMBER;
      new DataView(out.buffer).setFloat64(1, value, true);
      return out;
    }
    if (value instanceof Uint8Array) {
      const tag = Buffer.isBuffer(value) ? DefaultSerializerTag.BUFFER : DefaultSerializerTag.BYTES;
      return withTag(tag, value);
    }
    const { json, holes } = encodeTaggedJson(value, DEFAULT_SERIALIZER_MAX_DEPTH);
    const tag = holes ? DefaultSerializerTag.TAGGED_JSON_HOLES : DefaultSerializerTag.TAGGED_JSON;
    return withTag(tag, encoder.encode(json));
  },
  deserialize(bytes: Uint8Array): unknown {
    if (bytes.byteLength === 0) throw new TypeError('empty input: no format tag');
    const body = bytes.subarray(1);
    switch (bytes[0]) {
      case DefaultSerializerTag.STRING:
        return decoder.decode(body);
      case DefaultSerializerTag.NUMBER:
        if (body.byteLength !== 8)
          throw new TypeError(`a number needs 8 bytes, got ${body.byteLength}`);
        return new DataView(body.buffer, body.byteOffset, 8).getFloat64(0, true);
      case DefaultSerializerTag.BYTES:
        return new Uint8Array(body);
      case DefaultSerializerTag.BUFFER:
        return Buffer.from(body);
      case DefaultSerializerTag.TAGGED_JSON:
        return decodeTaggedJson(decoder.decode(body), false);
      case DefaultSerializerTag.TAGGED_JSON_HOLES:
        return decodeTaggedJson(decoder.decode(body), true);
      default:
        throw new TypeError(
          `unknown format tag 0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')}`,
        );
    }
  },
};
