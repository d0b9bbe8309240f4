import {
  type AcquireLockOptions,
  type BatchEntry,
  isBackendError,
  type Lock,
  type TimeoutOperation,
} from '@cachestack/core';
import { ReferenceBackend } from '@cachestack/test-support';

// Variants for broken-backends.ts about lifetimes, limits and abuse (issue 20):
// each breaks exactly one rule that the first edition of the kit let through.

/** The expiry the reference computes, bent by `bend` (the ttl as given, in ms). */
function rewriteExpiry(
  backend: ReferenceBackend & {
    readonly entriesView: Map<string, { expiresAt?: number | undefined }>;
  },
  key: string,
  ttlMs: number | undefined,
  bend: (ttlMs: number) => number,
  now: number,
): void {
  const entry = backend.entriesView.get(key);
  if (entry !== undefined && ttlMs !== undefined) entry.expiresAt = now + bend(ttlMs);
}

/** A reference backend exposing its entries and clock to the variants below. */
class Bendable extends ReferenceBackend {
  get entriesView() {
    return this.entries;
  }
  get clockNow(): number {
    return this.now();
  }
}

const half = (ttlMs: number) => Math.ceil(ttlMs) / 2;
const floor = (ttlMs: number) => Math.floor(ttlMs);

/** set entries expire at half their ttl. */
export class SetExpiresEarly extends Bendable {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    await super.set(key, value, ttlMs);
    rewriteExpiry(this, key, ttlMs, half, this.clockNow);
  }
}

/** set rounds a fractional ttl down (0.4 ms expires at once). */
export class SetRoundsFractionDown extends Bendable {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    await super.set(key, value, ttlMs);
    rewriteExpiry(this, key, ttlMs, floor, this.clockNow);
  }
}

/** refreshTtl sets half the ttl it is given. */
export class RefreshExpiresEarly extends Bendable {
  override async refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    const refreshed = await super.refreshTtl(key, ttlMs);
    if (refreshed) rewriteExpiry(this, key, ttlMs, half, this.clockNow);
    return refreshed;
  }
}

/** refreshTtl rounds a fractional ttl down. */
export class RefreshRoundsFractionDown extends Bendable {
  override async refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    const refreshed = await super.refreshTtl(key, ttlMs);
    if (refreshed) rewriteExpiry(this, key, ttlMs, floor, this.clockNow);
    return refreshed;
  }
}

/** setMany entries expire at half their ttl. */
export class SetManyExpiresEarly extends Bendable {
  override async setMany(entries: readonly BatchEntry[]): Promise<void> {
    await super.setMany(entries);
    const now = this.clockNow;
    for (const entry of entries) rewriteExpiry(this, entry.key, entry.ttlMs, half, now);
  }
}

/** setMany rounds fractional ttls down. */
export class SetManyRoundsFractionDown extends Bendable {
  override async setMany(entries: readonly BatchEntry[]): Promise<void> {
    await super.setMany(entries);
    const now = this.clockNow;
    for (const entry of entries) rewriteExpiry(this, entry.key, entry.ttlMs, floor, now);
  }
}

/** Locks lapse at half their ttl. */
export class LockExpiresEarly extends ReferenceBackend {
  override acquireLock(key: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    return super.acquireLock(key, { ...options, ttlMs: options.ttlMs / 2 });
  }
}

/** setMany silently stores only the first 1,000 entries (a store's argument limit). */
export class BatchCappedAtThousand extends ReferenceBackend {
  override async setMany(entries: readonly BatchEntry[]): Promise<void> {
    await super.setMany(entries);
    for (const entry of entries.slice(1_000)) this.entries.delete(entry.key);
  }
}

/** setMany skips the size check that set makes. */
export class SetManyIgnoresMaxValue extends ReferenceBackend {
  override async setMany(entries: readonly BatchEntry[]): Promise<void> {
    for (const entry of entries) {
      this.entries.set(entry.key, {
        value: Buffer.from(entry.value),
        expiresAt: this.expiresAt(entry.ttlMs),
      });
    }
  }
}

/** Escapes `/` as `%2F` for its store without escaping `%`: `a/b` and `a%2Fb` collide. */
export class NaiveSlashEscaping extends ReferenceBackend {
  #escape(key: string): string {
    return typeof key === 'string' ? key.replaceAll('/', '%2F') : key;
  }
  override get(key: string) {
    return super.get(this.#escape(key));
  }
  override set(key: string, value: Uint8Array, ttlMs?: number) {
    return super.set(this.#escape(key), value, ttlMs);
  }
  override delete(key: string) {
    return super.delete(this.#escape(key));
  }
  override exists(key: string) {
    return super.exists(this.#escape(key));
  }
}

/** After any operation timed out, delete always resolves false (a half-used transaction). */
export class DeleteBrokenAfterTimeout extends ReferenceBackend {
  #timedOut = false;
  override async withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    try {
      return await super.withTimeout(operation, timeoutMs, fn);
    } catch (error) {
      if (isBackendError(error) && error.type === 'TIMEOUT') this.#timedOut = true;
      throw error;
    }
  }
  override async delete(key: string): Promise<boolean> {
    const deleted = await super.delete(key);
    return this.#timedOut ? false : deleted;
  }
}

/** getTtl reports half the remaining time (the entry itself lives its full ttl). */
export class GetTtlHalved extends ReferenceBackend {
  override async getTtl(key: string): Promise<number | undefined> {
    const remaining = await super.getTtl(key);
    return remaining === undefined || remaining === Number.POSITIVE_INFINITY
      ? remaining
      : Math.max(1, Math.ceil(remaining / 2));
  }
}
