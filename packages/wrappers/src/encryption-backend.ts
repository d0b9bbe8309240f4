import { createCipheriv, createDecipheriv, type KeyObject, randomFillSync } from 'node:crypto';
import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type BaseBackend,
} from '@cachestack/core';
import { BackendWrapper } from './backend-wrapper.js';
import { EncryptionKey, keyMaterial } from './encryption-key.js';
import {
  checkInner,
  checkOptionsObject,
  type WrapperOptions,
  wrapperOptionNames,
} from './wrapper-options.js';

/** Options of {@link EncryptionBackend}. */
export interface EncryptionBackendOptions extends WrapperOptions {
  /**
   * The keys, current first: new entries are encrypted with `keys[0]`;
   * entries written with any of them (by id) decrypt. Ids must be distinct.
   */
  keys: readonly EncryptionKey[];
  /**
   * A label bound into every entry as associated data together with the
   * cache key, e.g. the namespace: an entry copied to another context (or
   * another key) fails to decrypt.
   * @default '' (none)
   */
  context?: string | undefined;
}

/** The first bytes of every encrypted entry. */
export const ENCRYPTION_MAGIC: readonly number[] = [0xce, 0x5c, 0x45];
/** Header bytes: magic (3), version (1), key id (1), nonce (12). The 16-byte GCM tag follows the ciphertext. */
export const ENCRYPTION_HEADER_BYTES = 17;
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const OWNER = 'EncryptionBackend';

/**
 * Random bytes for nonces, filled from the CSPRNG 256 nonces at a time: one
 * `randomBytes(12)` call costs several µs, a copy from the pool much less.
 * Every slice is used once.
 */
const noncePool = Buffer.allocUnsafe(NONCE_BYTES * 256);
let nonceOffset = noncePool.length;

function writeNonce(target: Buffer, at: number): void {
  if (nonceOffset >= noncePool.length) {
    randomFillSync(noncePool);
    nonceOffset = 0;
  }
  noncePool.copy(target, at, nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
}

function resolveKeys(keys: unknown): Map<number, KeyObject> {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new TypeError(`${OWNER}: option "keys" must be a non-empty array of EncryptionKey`);
  }
  const byId = new Map<number, KeyObject>();
  keys.forEach((key: unknown, index) => {
    if (!(key instanceof EncryptionKey)) {
      throw new TypeError(
        `${OWNER}: option "keys[${index}]" must be an EncryptionKey (new EncryptionKey(id, bytes)), got ${key === null ? 'null' : typeof key}`,
      );
    }
    if (byId.has(key.id)) {
      throw new TypeError(`${OWNER}: option "keys" has two keys with id ${key.id}`);
    }
    byId.set(key.id, keyMaterial(key));
  });
  return byId;
}

/** Every option name of {@link EncryptionBackendOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = wrapperOptionNames<EncryptionBackendOptions>({
  keys: true,
  context: true,
});

/**
 * Encrypts values with AES-256-GCM (`node:crypto`) over any backend, and is
 * itself a backend with exactly the wrapped backend's capabilities.
 *
 * - Every write uses a fresh random 96-bit nonce.
 * - The cache key (and `context`) is bound as associated data, with the
 *   header: an entry copied under another key, or into another context,
 *   fails to decrypt.
 * - The header names the key id, so keys rotate: put the new key first and
 *   keep old ones to read entries written before.
 * - Anything that does not authenticate (tampered, truncated, written with
 *   an unknown key, not encrypted at all) reads as a PERMANENT `CORRUPT`
 *   {@link BackendError}, never as garbage bytes. Key material never appears
 *   in errors, messages or `util.inspect` output.
 *
 * Keys, TTLs, locks and `clear` pass through: key names and entry sizes are
 * visible to whoever can read the store; values are not.
 *
 * @example
 * ```ts
 * const backend = new EncryptionBackend(redis, { keys: [new EncryptionKey(1, key32Bytes)], context: 'app' });
 * ```
 */
export class EncryptionBackend extends BackendWrapper {
  readonly #keys: Map<number, KeyObject>;
  readonly #writeId: number;
  readonly #context: Buffer;

  /**
   * @param inner - the backend that stores the ciphertext.
   * @param options - see {@link EncryptionBackendOptions}; a bad option throws a `TypeError` naming it.
   */
  constructor(inner: BaseBackend, options: EncryptionBackendOptions) {
    checkInner(inner, OWNER);
    checkOptionsObject(options, OWNER, OPTION_NAMES);
    if (options === undefined) throw new TypeError(`${OWNER}: options with "keys" are required`);
    const keys = resolveKeys(options.keys);
    const context = options.context ?? '';
    if (typeof context !== 'string' || !context.isWellFormed()) {
      throw new TypeError(`${OWNER}: option "context" must be a well-formed string`);
    }
    super(inner, 'encrypted', options, true);
    this.#keys = keys;
    this.#writeId = (options.keys[0] as EncryptionKey).id;
    this.#context = Buffer.from(context, 'utf8');
  }

  /** The id of the key new entries are encrypted with. */
  get currentKeyId(): number {
    return this.#writeId;
  }

  /** Shown by `util.inspect`: the type and key ids, never key material. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `EncryptionBackend { backendType: '${this.backendType}', keyIds: [${[...this.#keys.keys()].join(', ')}] }`;
  }

  protected override encode(key: string, value: Uint8Array): Uint8Array {
    const header = Buffer.allocUnsafe(ENCRYPTION_HEADER_BYTES);
    header[0] = ENCRYPTION_MAGIC[0] as number;
    header[1] = ENCRYPTION_MAGIC[1] as number;
    header[2] = ENCRYPTION_MAGIC[2] as number;
    header[3] = VERSION;
    header[4] = this.#writeId;
    writeNonce(header, 5);
    const cipher = createCipheriv(
      'aes-256-gcm',
      this.#keys.get(this.#writeId) as KeyObject,
      header.subarray(5),
      { authTagLength: TAG_BYTES },
    );
    cipher.setAAD(this.#associatedData(header, key));
    const body = cipher.update(value);
    cipher.final();
    return Buffer.concat([header, body, cipher.getAuthTag()]);
  }

  protected override decode(
    key: string,
    stored: Uint8Array,
    operation: 'get' | 'getMany',
  ): Uint8Array {
    const corrupt = (message: string) =>
      new BackendError({
        type: BackendErrorType.PERMANENT,
        code: BackendErrorCode.CORRUPT,
        message: `encrypted entry: ${message}`,
        operation,
        key,
      });
    if (
      stored.length < ENCRYPTION_HEADER_BYTES + TAG_BYTES ||
      stored[0] !== ENCRYPTION_MAGIC[0] ||
      stored[1] !== ENCRYPTION_MAGIC[1] ||
      stored[2] !== ENCRYPTION_MAGIC[2]
    ) {
      throw corrupt('not written by an EncryptionBackend (no header)');
    }
    if (stored[3] !== VERSION) throw corrupt(`unknown format version ${stored[3]}`);
    const id = stored[4] as number;
    const secret = this.#keys.get(id);
    if (secret === undefined) throw corrupt(`written with key id ${id}, which is not configured`);
    const header = stored.subarray(0, ENCRYPTION_HEADER_BYTES);
    const body = stored.subarray(ENCRYPTION_HEADER_BYTES, stored.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', secret, header.subarray(5), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(this.#associatedData(header, key));
      decipher.setAuthTag(stored.subarray(stored.length - TAG_BYTES));
      const plain = decipher.update(body);
      decipher.final();
      return plain;
    } catch {
      throw corrupt(
        `failed authentication with key id ${id}: tampered, stored under another key or context, or encrypted with another key`,
      );
    }
  }

  protected override healthDetails(): Record<string, unknown> {
    return { encryptionKeyId: this.#writeId };
  }

  /** header ‖ context length (uint32 BE) ‖ context ‖ cache key, all UTF-8. */
  #associatedData(header: Uint8Array, key: string): Buffer {
    const context = this.#context;
    const keyBytes = Buffer.from(key, 'utf8');
    const aad = Buffer.allocUnsafe(header.length + 4 + context.length + keyBytes.length);
    aad.set(header, 0);
    aad.writeUInt32BE(context.length, header.length);
    context.copy(aad, header.length + 4);
    keyBytes.copy(aad, header.length + 4 + context.length);
    return aad;
  }
}
