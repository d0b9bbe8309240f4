import type { Serializer } from './serializer.js';

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
} as const;

const MARK = '\u0000';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function tagged(tag: string, v?: unknown): Record<string, unknown> {
  return v === undefined ? { [MARK]: tag } : { [MARK]: tag, v };
}

function describeNumber(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return undefined;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  switch (typeof raw) {
    case 'undefined':
      return tagged('u');
    case 'number': {
      const special = describeNumber(raw);
      return special === undefined ? value : tagged('n', special);
    }
    case 'bigint':
      return tagged('b', raw.toString());
    case 'function':
    case 'symbol':
      throw new TypeError(
        `the default serializer cannot encode a ${typeof raw} (at property ${JSON.stringify(key)})`,
      );
    case 'object': {
      if (raw === null) return null;
      if (raw instanceof Date) {
        const time = raw.getTime();
        return tagged('D', Number.isNaN(time) ? null : time);
      }
      if (raw instanceof Map) return tagged('M', [...raw]);
      if (raw instanceof Set) return tagged('S', [...raw]);
      if (raw instanceof Uint8Array) {
        return tagged(Buffer.isBuffer(raw) ? 'B' : 'U', bytesToBase64(raw));
      }
      if (ArrayBuffer.isView(raw) || raw instanceof ArrayBuffer) {
        throw new TypeError(
          `the default serializer cannot encode a ${raw.constructor.name} (at property ${JSON.stringify(key)}); use a Uint8Array or Buffer`,
        );
      }
      if (value === raw && !Array.isArray(raw) && Object.hasOwn(raw, MARK)) {
        return tagged('O', Object.entries(raw));
      }
      return value;
    }
    default:
      return value;
  }
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

function pairs(v: unknown): [unknown, unknown][] {
  if (!Array.isArray(v)) throw new TypeError('expected a list of pairs');
  return v.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('expected a pair');
    return [pair[0], pair[1]];
  });
}

function reviveTagged(node: Record<string, unknown>): unknown {
  const v = node.v;
  switch (node[MARK]) {
    case 'u':
      return undefined;
    case 'n':
      if (v === 'NaN') return Number.NaN;
      if (v === 'Infinity') return Number.POSITIVE_INFINITY;
      if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
      if (v === '-0') return -0;
      break;
    case 'b':
      if (typeof v === 'string') return BigInt(v);
      break;
    case 'D':
      if (v === null) return new Date(Number.NaN);
      if (typeof v === 'number') return new Date(v);
      break;
    case 'M':
      return new Map(pairs(v).map(([key, value]) => [revive(key), revive(value)]));
    case 'S':
      if (Array.isArray(v)) return new Set(v.map(revive));
      break;
    case 'U':
      if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'base64'));
      break;
    case 'B':
      if (typeof v === 'string') return Buffer.from(v, 'base64');
      break;
    case 'O': {
      const out: Record<string, unknown> = {};
      for (const [key, value] of pairs(v)) {
        if (typeof key !== 'string') throw new TypeError('expected a string property name');
        setOwn(out, key, revive(value));
      }
      return out;
    }
  }
  throw new TypeError(`unknown or malformed tagged value ${JSON.stringify(node[MARK])}`);
}

function revive(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = revive(node[i]);
    return node;
  }
  const record = node as Record<string, unknown>;
  if (Object.hasOwn(record, MARK)) return reviveTagged(record);
  for (const key of Object.keys(record)) {
    const before = record[key];
    const after = revive(before);
    if (after !== before) setOwn(record, key, after);
  }
  return record;
}

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
 * and arrays, `null`, `NaN`, `±Infinity` and `-0`, at any depth.
 *
 * Format: one tag byte ({@link DefaultSerializerTag}) then the body. Strings,
 * numbers and byte arrays at the top level take a fast path (UTF-8, float64,
 * raw bytes); everything else is JSON where special values are objects with
 * a `"\u0000"` property (an ordinary object that has such a property is
 * escaped, so no value is ever mistaken for another).
 *
 * Like JSON, it keeps own enumerable string-keyed properties only (class
 * instances come back as plain objects) and calls `toJSON` when present.
 * Functions, symbols, circular references and typed arrays other than
 * `Uint8Array` throw a `TypeError`.
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
    const json = JSON.stringify(value, replacer);
    return withTag(DefaultSerializerTag.TAGGED_JSON, encoder.encode(json));
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
        return revive(JSON.parse(decoder.decode(body)));
      default:
        throw new TypeError(
          `unknown format tag 0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')}`,
        );
    }
  },
};
