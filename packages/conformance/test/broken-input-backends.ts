import { type BatchEntry, toBackendError } from '@cachestack/core';
import { ReferenceBackend } from '@cachestack/test-support';

// Variants for broken-backends.ts about input rules (issue 22): each breaks exactly one.

function isDetached(value: Uint8Array): boolean {
  try {
    new Uint8Array(value.buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** keys(prefix) lists on with a lone-surrogate prefix instead of rejecting it. */
export class KeysAcceptLoneSurrogatePrefix extends ReferenceBackend {
  override keys(prefix?: string): AsyncIterable<string> {
    const list = super.keys.bind(this);
    return {
      async *[Symbol.asyncIterator]() {
        // Lists every key and filters here, so no prefix is ever checked.
        for await (const key of list())
          if (prefix === undefined || key.startsWith(prefix)) yield key;
      },
    };
  }
}

/** A view over a detached ArrayBuffer (0 bytes) is stored as an empty value. */
export class DetachedValueStoredEmpty extends ReferenceBackend {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    const bytes = value instanceof Uint8Array && isDetached(value) ? new Uint8Array(0) : value;
    return super.set(key, bytes, ttlMs);
  }
}

/** setMany writes entry by entry and stops at the first bad one (not all or nothing). */
export class SetManyNotAllOrNothing extends ReferenceBackend {
  override async setMany(entries: readonly BatchEntry[]): Promise<void> {
    for (const entry of entries) await this.set(entry.key, entry.value, entry.ttlMs);
  }
}

/** Builds its store key before validating, so a Symbol key escapes as a raw TypeError. */
export class RawErrorForSymbolKey extends ReferenceBackend {
  #storeKey(key: string): string {
    return `${this.namespace}/${key}`;
  }
  override async get(key: string): Promise<Uint8Array | undefined> {
    this.#storeKey(key);
    return super.get(key);
  }
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    this.#storeKey(key);
    return super.set(key, value, ttlMs);
  }
  override async delete(key: string): Promise<boolean> {
    this.#storeKey(key);
    return super.delete(key);
  }
  override async exists(key: string): Promise<boolean> {
    this.#storeKey(key);
    return super.exists(key);
  }
}

/** Checks the TTL's type itself and wraps its own TypeError: a non-number TTL is UNKNOWN. */
export class UnknownForNonNumberTtl extends ReferenceBackend {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    try {
      if (ttlMs !== undefined && typeof ttlMs !== 'number') {
        throw new TypeError(`Cannot use ${typeof ttlMs} as a ttl`);
      }
    } catch (error) {
      throw toBackendError(error, 'set', key);
    }
    return super.set(key, value, ttlMs);
  }
}
