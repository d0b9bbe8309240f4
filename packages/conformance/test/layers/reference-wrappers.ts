import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { BackendError, type BaseBackend, type HealthStatus } from '@cachestack/core';

/** One deliberate defect of a reference wrapper. */
export type WrapperDefect =
  | 'magic-collision'
  | 'threshold-off-by-one'
  | 'stores-plain'
  | 'large-truncated'
  | 'no-authentication'
  | 'plaintext-visible'
  | 'not-key-bound';

function corrupt(key: string): BackendError {
  return new BackendError({
    type: 'PERMANENT',
    code: 'CORRUPT',
    message: 'entry cannot be decoded',
    operation: 'get',
    key,
  });
}

abstract class ReferenceWrapper implements BaseBackend {
  abstract readonly backendType: string;
  protected readonly inner: BaseBackend;
  protected readonly defect: WrapperDefect | undefined;

  constructor(inner: BaseBackend, defect?: WrapperDefect) {
    this.inner = inner;
    this.defect = defect;
  }

  protected abstract encode(key: string, value: Uint8Array): Uint8Array;
  protected abstract decode(key: string, stored: Uint8Array): Uint8Array | undefined;

  async get(key: string): Promise<Uint8Array | undefined> {
    const stored = await this.inner.get(key);
    return stored === undefined ? undefined : this.decode(key, stored);
  }

  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    await this.inner.set(key, this.encode(key, value), ttlMs);
  }

  delete(key: string): Promise<boolean> {
    return this.inner.delete(key);
  }

  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }

  healthCheck(): Promise<HealthStatus> {
    return this.inner.healthCheck();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const MAGIC = [0xc0, 0x5a];

/** Reference compression: `C0 5A`, flag (0 as is, 1 deflate), uint32 length, payload. */
export class ReferenceCompression extends ReferenceWrapper {
  readonly backendType = 'reference-compressed';
  static readonly THRESHOLD = 256;

  protected encode(_key: string, value: Uint8Array): Uint8Array {
    const threshold = ReferenceCompression.THRESHOLD;
    const compress = value.byteLength >= threshold && this.defect !== 'stores-plain';
    if (!compress && this.defect === 'magic-collision') return value;
    let input = value;
    if (this.defect === 'threshold-off-by-one' && value.byteLength === threshold)
      input = value.subarray(0, threshold - 1);
    if (this.defect === 'large-truncated' && value.byteLength > 0xffff)
      input = value.subarray(0, 0xffff);
    const payload = compress ? deflateRawSync(input) : input;
    const out = Buffer.alloc(7 + payload.byteLength);
    out.set(MAGIC, 0);
    out[2] = compress ? 1 : 0;
    out.writeUInt32BE(input.byteLength, 3);
    out.set(payload, 7);
    return new Uint8Array(out);
  }

  protected decode(key: string, stored: Uint8Array): Uint8Array {
    if (stored[0] !== MAGIC[0] || stored[1] !== MAGIC[1] || stored.byteLength < 7) {
      if (this.defect === 'magic-collision') return new Uint8Array(stored);
      throw corrupt(key);
    }
    const payload = stored.subarray(7);
    try {
      return new Uint8Array(stored[2] === 1 ? inflateRawSync(payload) : payload);
    } catch {
      throw corrupt(key);
    }
  }
}

/** Reference encryption: AES-256-GCM, nonce ‖ ciphertext ‖ tag, the cache key as associated data. */
export class ReferenceEncryption extends ReferenceWrapper {
  readonly backendType = 'reference-encrypted';
  readonly #key: Buffer;

  constructor(inner: BaseBackend, key: Buffer, defect?: WrapperDefect) {
    super(inner, defect);
    this.#key = key;
  }

  protected encode(key: string, value: Uint8Array): Uint8Array {
    if (this.defect === 'plaintext-visible') {
      const mac = createHmac('sha256', this.#key).update(key).update(value).digest();
      return new Uint8Array(Buffer.concat([value, mac]));
    }
    const nonce = randomBytes(12);
    if (this.defect === 'no-authentication') {
      const cipher = createCipheriv(
        'aes-256-ctr',
        this.#key,
        Buffer.concat([nonce, Buffer.alloc(4)]),
      );
      return new Uint8Array(Buffer.concat([nonce, cipher.update(value), cipher.final()]));
    }
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    if (this.defect !== 'not-key-bound') cipher.setAAD(Buffer.from(key, 'utf8'));
    const body = Buffer.concat([cipher.update(value), cipher.final()]);
    return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
  }

  protected decode(key: string, stored: Uint8Array): Uint8Array {
    const bytes = Buffer.from(stored);
    if (this.defect === 'plaintext-visible') {
      const value = bytes.subarray(0, bytes.byteLength - 32);
      const mac = createHmac('sha256', this.#key).update(key).update(value).digest();
      if (!mac.equals(bytes.subarray(bytes.byteLength - 32))) throw corrupt(key);
      return new Uint8Array(value);
    }
    const nonce = bytes.subarray(0, 12);
    if (this.defect === 'no-authentication') {
      const decipher = createDecipheriv(
        'aes-256-ctr',
        this.#key,
        Buffer.concat([nonce, Buffer.alloc(4)]),
      );
      return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(12)), decipher.final()]));
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce);
      if (this.defect !== 'not-key-bound') decipher.setAAD(Buffer.from(key, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.byteLength - 16));
      return new Uint8Array(
        Buffer.concat([
          decipher.update(bytes.subarray(12, bytes.byteLength - 16)),
          decipher.final(),
        ]),
      );
    } catch {
      throw corrupt(key);
    }
  }
}
