import type { Serializer } from './serializer.js';

/** First byte of every value written by a msgpackr serializer (format version 1). */
export const MSGPACKR_SERIALIZER_TAG = 0x10;

/** The part of the `msgpackr` module this serializer uses. */
export interface MsgpackrModule {
  Packr: new (
    options?: Record<string, unknown>,
  ) => {
    pack(value: unknown): Uint8Array;
    unpack(bytes: Uint8Array): unknown;
  };
}

/**
 * Options for {@link createMsgpackrSerializer} and {@link msgpackrSerializer}:
 * passed to msgpackr's `Packr`.
 * @default `{ useRecords: false, moreTypes: true, structuredClone: true, useBigInt64: true }`
 * (no record extension, so any reader can decode the bytes; `Date`, `Set`,
 * `BigInt`, typed arrays and circular references round-trip).
 */
export type MsgpackrSerializerOptions = Record<string, unknown>;

const DEFAULT_PACKR_OPTIONS: MsgpackrSerializerOptions = {
  useRecords: false,
  moreTypes: true,
  structuredClone: true,
  useBigInt64: true,
};

/**
 * A {@link Serializer} on a `msgpackr` module you pass in, for synchronous
 * setup:
 *
 * ```ts
 * import * as msgpackr from 'msgpackr';
 * const cache = createCache({ backend, serializer: createMsgpackrSerializer(msgpackr) });
 * ```
 *
 * Values are one tag byte ({@link MSGPACKR_SERIALIZER_TAG}) then MessagePack.
 * msgpackr's own type mapping applies: a `Map` comes back as a plain object
 * and `-0` as `0`; use the default serializer when those matter.
 */
export function createMsgpackrSerializer(
  msgpackr: MsgpackrModule,
  options: MsgpackrSerializerOptions = {},
): Serializer {
  if (typeof msgpackr?.Packr !== 'function') {
    throw new TypeError(
      'createMsgpackrSerializer: pass the msgpackr module (import * as msgpackr from "msgpackr")',
    );
  }
  const packr = new msgpackr.Packr({ ...DEFAULT_PACKR_OPTIONS, ...options });
  return {
    name: 'msgpackr',
    serialize(value: unknown): Uint8Array {
      const body = packr.pack(value);
      const out = new Uint8Array(body.byteLength + 1);
      out[0] = MSGPACKR_SERIALIZER_TAG;
      out.set(body, 1);
      return out;
    },
    deserialize(bytes: Uint8Array): unknown {
      if (bytes[0] !== MSGPACKR_SERIALIZER_TAG || bytes.byteLength < 2) {
        throw new TypeError('not a msgpackr serializer value (bad format tag)');
      }
      return packr.unpack(bytes.subarray(1));
    },
  };
}

/**
 * Loads the optional peer dependency `msgpackr` with a dynamic import and
 * resolves a {@link Serializer} on it (see {@link createMsgpackrSerializer}).
 * Rejects with an error saying how to install it when it is missing.
 *
 * ```ts
 * const cache = createCache({ backend, serializer: await msgpackrSerializer() });
 * ```
 */
export async function msgpackrSerializer(
  options: MsgpackrSerializerOptions = {},
): Promise<Serializer> {
  let loaded: MsgpackrModule;
  try {
    loaded = (await import('msgpackr')) as unknown as MsgpackrModule;
  } catch (error) {
    throw new Error(
      'msgpackrSerializer needs the optional peer dependency "msgpackr": install it with `npm install msgpackr` (or pnpm add msgpackr)',
      { cause: error },
    );
  }
  return createMsgpackrSerializer(loaded, options);
}
