import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** Bytes of an AES-256 key. */
export const ENCRYPTION_KEY_BYTES = 32;

const material = new WeakMap<EncryptionKey, KeyObject>();

/**
 * One AES-256 key for the {@link EncryptionBackend}, with the id written in
 * each entry's header (an integer 0–255) so old keys can still decrypt after
 * a rotation. The key material is held as a Node.js `KeyObject` outside the
 * instance: it never shows in `util.inspect`, `JSON.stringify`, messages or
 * errors.
 *
 * @example
 * ```ts
 * const current = new EncryptionKey(2, Buffer.from(process.env.CACHE_KEY_2!, 'base64'));
 * const previous = new EncryptionKey(1, Buffer.from(process.env.CACHE_KEY_1!, 'base64'));
 * new EncryptionBackend(redis, { keys: [current, previous] }); // writes with 2, reads 2 and 1
 * ```
 */
export class EncryptionKey {
  /** The id written in the header of every entry encrypted with this key (0–255). */
  readonly id: number;

  /**
   * @param id - an integer from 0 to 255.
   * @param key - 32 bytes of key material, or a secret `KeyObject` of 32 bytes. Bytes are copied.
   * @throws TypeError naming `id` or `key` (never showing the material) when invalid.
   */
  constructor(id: number, key: Uint8Array | KeyObject) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 255) {
      throw new TypeError(
        `EncryptionKey: "id" must be an integer from 0 to 255, got ${String(id)}`,
      );
    }
    let object: KeyObject;
    if (key instanceof KeyObject) {
      if (key.type !== 'secret' || key.symmetricKeySize !== ENCRYPTION_KEY_BYTES) {
        throw new TypeError(
          `EncryptionKey: "key" must be a secret KeyObject of ${ENCRYPTION_KEY_BYTES} bytes (AES-256), got a ${key.type} key of ${key.symmetricKeySize ?? 'unknown'} bytes`,
        );
      }
      object = key;
    } else if (key instanceof Uint8Array) {
      if (key.byteLength !== ENCRYPTION_KEY_BYTES) {
        throw new TypeError(
          `EncryptionKey: "key" must be ${ENCRYPTION_KEY_BYTES} bytes (AES-256), got ${key.byteLength} bytes`,
        );
      }
      object = createSecretKey(Buffer.from(key));
    } else {
      throw new TypeError(
        `EncryptionKey: "key" must be a Uint8Array of ${ENCRYPTION_KEY_BYTES} bytes or a secret KeyObject, got ${key === null ? 'null' : typeof key}`,
      );
    }
    this.id = id;
    material.set(this, object);
  }

  /** A new key with `id` and 32 random bytes from `node:crypto`. */
  static generate(id: number): EncryptionKey {
    return new EncryptionKey(id, randomBytes(ENCRYPTION_KEY_BYTES));
  }

  /** `{ id }` only: the material is never serialized. */
  toJSON(): { id: number } {
    return { id: this.id };
  }

  /** `EncryptionKey { id: 1, key: [redacted] }`. */
  toString(): string {
    return `EncryptionKey { id: ${this.id}, key: [redacted] }`;
  }

  /** Shown by `util.inspect` and `console.log`: the id, never the material. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** The `KeyObject` behind `key` (internal to the package). */
export function keyMaterial(key: EncryptionKey): KeyObject {
  const object = material.get(key);
  if (object === undefined) throw new TypeError('not an EncryptionKey');
  return object;
}
