import {
  assertValidKey,
  assertValidKeys,
  BackendError,
  closedError,
  type HealthStatus,
  type TimeoutOperation,
} from '@cachestack/core';
import { ReferenceBackend, type ReferenceStore } from '@cachestack/test-support';
import type { ConformanceOptions } from '../src/index.js';
import {
  ErrorsWithoutOperation,
  HealthWrongBackendType,
  KeysPrefixIsGlob,
  PrivateReadCache,
  RefreshTtlAdds,
} from './broken-contract-backends.js';
import {
  DetachedValueStoredEmpty,
  KeysAcceptLoneSurrogatePrefix,
  RawErrorForSymbolKey,
  SetManyNotAllOrNothing,
  UnknownForNonNumberTtl,
} from './broken-input-backends.js';
import {
  BatchCappedAtThousand,
  DeleteBrokenAfterTimeout,
  GetTtlHalved,
  LockExpiresEarly,
  NaiveSlashEscaping,
  RefreshExpiresEarly,
  RefreshRoundsFractionDown,
  SetExpiresEarly,
  SetManyExpiresEarly,
  SetManyIgnoresMaxValue,
  SetManyRoundsFractionDown,
  SetRoundsFractionDown,
} from './broken-lifetime-backends.js';
import {
  ExtendAfterExpiryRetakes,
  LockKeysCollideWithData,
  LockNeverExpires,
  ReleaseIgnoresToken,
  ShortLockTokens,
} from './broken-lock-backends.js';

const NO_VALUE_LIMIT = Number.POSITIVE_INFINITY;

/** A deliberately broken variant of the reference backend: it violates exactly one rule. */
export interface BrokenVariant {
  /** The describe name, unique. */
  name: string;
  /** The one rule it breaks. */
  rule: string;
  /** The groups that should catch it (the self-test runs only these, to stay fast). */
  groups: string[];
  /** Builds the broken backend. */
  make: (store: ReferenceStore, namespace: string) => ReferenceBackend;
  /** Option overrides for this variant. */
  options?: Partial<ConformanceOptions>;
  /** When set, the case (a part of its name) that must be among the failures: the case about this rule. */
  caughtBy?: string;
}

class EmptyValueIsMiss extends ReferenceBackend {
  override async get(key: string): Promise<Uint8Array | undefined> {
    const value = await super.get(key);
    return value?.byteLength === 0 ? undefined : value;
  }
}

class DeleteMissingIsTrue extends ReferenceBackend {
  override async delete(key: string): Promise<boolean> {
    await super.delete(key);
    return true;
  }
}

class TtlZeroMeansForever extends ReferenceBackend {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    return super.set(key, value, ttlMs === 0 ? undefined : ttlMs);
  }
}

class SetKeepsOldExpiry extends ReferenceBackend {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    const previous = this.live(key)?.expiresAt;
    await super.set(key, value, ttlMs);
    const entry = this.entries.get(key);
    if (ttlMs === undefined && entry !== undefined && previous !== undefined)
      entry.expiresAt = previous;
  }
}

class ReturnsStoredArray extends ReferenceBackend {
  override async get(key: string): Promise<Uint8Array | undefined> {
    await super.get(key);
    return this.live(key)?.value;
  }
}

class StoresCallerArray extends ReferenceBackend {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    await super.set(key, value, ttlMs);
    const entry = this.entries.get(key);
    if (entry !== undefined) entry.value = value;
  }
}

class AcceptsEmptyKey extends ReferenceBackend {
  protected override validateKey(key: unknown, operation: string): asserts key is string {
    if (key === '') return;
    assertValidKey(key, operation);
  }
}

class CoercesNumberKeys extends ReferenceBackend {
  protected override validateKey(key: unknown, operation: string): asserts key is string {
    assertValidKey(typeof key === 'number' ? String(key) : key, operation);
  }
  override get(key: string) {
    return super.get(typeof key === 'number' ? String(key) : key);
  }
  override set(key: string, value: Uint8Array, ttlMs?: number) {
    return super.set(typeof key === 'number' ? String(key) : key, value, ttlMs);
  }
}

class GetTtlMinusOneForNoExpiry extends ReferenceBackend {
  override async getTtl(key: string): Promise<number | undefined> {
    const remaining = await super.getTtl(key);
    return remaining === Number.POSITIVE_INFINITY ? -1 : remaining;
  }
}

class RefreshTtlCreatesMissing extends ReferenceBackend {
  override async refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    if (this.live(key) === undefined && typeof key === 'string' && key !== '') {
      this.entries.set(key, { value: new Uint8Array(0), expiresAt: undefined });
    }
    return super.refreshTtl(key, ttlMs);
  }
}

class OpsSucceedAfterClose extends ReferenceBackend {
  override async close(): Promise<void> {}
}

class CloseNotIdempotent extends ReferenceBackend {
  override async close(): Promise<void> {
    if (this.closed)
      throw new BackendError({
        type: 'PERMANENT',
        code: 'CLOSED',
        message: 'already closed',
        operation: 'close',
      });
    await super.close();
  }
}

class HealthCheckThrows extends ReferenceBackend {
  override async healthCheck(): Promise<HealthStatus> {
    if (this.closed) throw new Error('closed');
    return super.healthCheck();
  }
}

class ClearRemovesOtherNamespaces extends ReferenceBackend {
  override async clear(): Promise<void> {
    await super.clear();
    for (const entries of this.store.namespaces.values()) entries.clear();
  }
}

class KeysListsExpired extends ReferenceBackend {
  override keys(prefix?: string): AsyncIterable<string> {
    const entries = this.entries;
    return {
      async *[Symbol.asyncIterator]() {
        for (const key of [...entries.keys()])
          if (prefix === undefined || key.startsWith(prefix)) yield key;
      },
    };
  }
}

class ThrowsPlainError extends ReferenceBackend {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    if (
      ttlMs !== undefined &&
      !(typeof ttlMs === 'number' && ttlMs > 0 && Number.isFinite(ttlMs))
    ) {
      throw new TypeError(`bad ttl ${String(ttlMs)}`);
    }
    return super.set(key, value, ttlMs);
  }
}

class ExistsExtendsTtl extends ReferenceBackend {
  override async exists(key: string): Promise<boolean> {
    const found = await super.exists(key);
    const entry = this.live(key);
    if (entry?.expiresAt !== undefined) entry.expiresAt += 100;
    return found;
  }
}

class GetManyIgnoresExpiry extends ReferenceBackend {
  override async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    assertValidKeys(keys, 'getMany');
    if (this.closed) throw closedError('getMany', this.backendType);
    return keys.map((key) => {
      const entry = this.entries.get(key);
      return entry === undefined ? undefined : Buffer.from(entry.value);
    });
  }
}

class DeleteManyNotValidatedFirst extends ReferenceBackend {
  override async deleteMany(keys: readonly string[]): Promise<number> {
    let count = 0;
    for (const key of keys) if (await this.delete(key)) count++;
    return count;
  }
}

class ClaimsBatchWithoutIt extends ReferenceBackend {
  constructor(store: ReferenceStore, namespace: string) {
    super(store, namespace);
    for (const name of ['getMany', 'setMany', 'deleteMany']) {
      Object.defineProperty(this, name, { value: undefined });
    }
  }
}

class SyncThrowOnInvalidKey extends ReferenceBackend {
  override get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key, 'get');
    return super.get(key);
  }
}

class TimeoutIgnored extends ReferenceBackend {
  override async withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    return super.withTimeout(operation, timeoutMs, () => 0).then(() => fn());
  }
}

class HangsWhileUnavailable extends ReferenceBackend {
  protected override run<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    if (this.store.unavailable && !this.closed) return new Promise<T>(() => {});
    return super.run(operation, key, fn);
  }
}

function variant(
  name: string,
  rule: string,
  groups: string[],
  Backend: new (store: ReferenceStore, namespace: string) => ReferenceBackend,
  options?: Partial<ConformanceOptions>,
): BrokenVariant {
  return { name, rule, groups, make: (store, namespace) => new Backend(store, namespace), options };
}

/** A variant that the case named (in part) `caughtBy` must fail. */
function caught(caughtBy: string, ...args: Parameters<typeof variant>): BrokenVariant {
  return { ...variant(...args), caughtBy };
}

/** Every broken variant, each violating exactly one rule. */
export const BROKEN_VARIANTS: readonly BrokenVariant[] = [
  variant('broken: empty value is a miss', 'an empty value is a hit', ['values'], EmptyValueIsMiss),
  variant(
    'broken: delete of a missing key is true',
    'delete(missing) resolves false',
    ['base contract'],
    DeleteMissingIsTrue,
  ),
  variant('broken: ttl 0 means forever', 'ttl 0 is INVALID_TTL', ['ttl'], TtlZeroMeansForever),
  variant(
    'broken: set without ttl keeps the old expiry',
    'set without ttl clears the expiry',
    ['ttl'],
    SetKeepsOldExpiry,
  ),
  variant(
    'broken: get returns the stored array',
    'a returned value never aliases storage',
    ['values'],
    ReturnsStoredArray,
  ),
  variant(
    "broken: set stores the caller's array",
    'the stored bytes are a copy',
    ['values'],
    StoresCallerArray,
  ),
  variant(
    'broken: accepts the empty key',
    'the empty key is INVALID_KEY',
    ['keys'],
    AcceptsEmptyKey,
  ),
  variant(
    'broken: coerces number keys',
    'non-string keys are rejected, never coerced',
    ['keys'],
    CoercesNumberKeys,
  ),
  variant(
    'broken: getTtl is -1 for no expiry',
    'getTtl is Infinity for no expiry',
    ['ttl inspection'],
    GetTtlMinusOneForNoExpiry,
  ),
  variant(
    'broken: refreshTtl creates missing keys',
    'refreshTtl of a missing key creates nothing',
    ['ttl inspection'],
    RefreshTtlCreatesMissing,
  ),
  variant(
    'broken: lock release ignores the token',
    'only the holder can release',
    ['locks'],
    ReleaseIgnoresToken,
  ),
  variant('broken: lock never expires', 'a lock expires after ttlMs', ['locks'], LockNeverExpires),
  variant(
    'broken: lock keys collide with data keys',
    'lock keys are invisible to data reads',
    ['locks'],
    LockKeysCollideWithData,
  ),
  variant(
    'broken: extend after expiry re-takes the lock',
    'extend after expiry resolves false',
    ['locks'],
    ExtendAfterExpiryRetakes,
  ),
  variant(
    'broken: operations succeed after close',
    'operations after close are CLOSED',
    ['lifecycle'],
    OpsSucceedAfterClose,
  ),
  variant(
    'broken: close is not idempotent',
    'a second close is a no-op',
    ['lifecycle'],
    CloseNotIdempotent,
  ),
  variant(
    'broken: healthCheck throws after close',
    'healthCheck never throws',
    ['lifecycle'],
    HealthCheckThrows,
  ),
  variant(
    'broken: clear removes other namespaces',
    'clear touches only its namespace',
    ['clear'],
    ClearRemovesOtherNamespaces,
  ),
  variant(
    'broken: keys() lists expired keys',
    'keys() lists live keys only',
    ['key listing'],
    KeysListsExpired,
  ),
  variant('broken: throws a plain Error', 'only BackendError escapes', ['ttl'], ThrowsPlainError),
  variant(
    'broken: exists extends the ttl',
    'exists does not extend the ttl',
    ['ttl'],
    ExistsExtendsTtl,
  ),
  variant(
    'broken: getMany ignores expiry',
    'getMany hides expired entries',
    ['batch'],
    GetManyIgnoresExpiry,
  ),
  variant(
    'broken: deleteMany deletes before validating',
    'batch calls validate every key first',
    ['batch'],
    DeleteManyNotValidatedFirst,
  ),
  variant(
    "broken: claims 'batch' without having it",
    'a claimed capability must exist',
    ['batch'],
    ClaimsBatchWithoutIt,
  ),
  variant(
    'broken: get throws synchronously',
    'every method returns a Promise',
    ['base contract'],
    SyncThrowOnInvalidKey,
  ),
  variant(
    'broken: withTimeout ignores the limit',
    'slow operations reject TIMEOUT',
    ['timeouts'],
    TimeoutIgnored,
  ),
  variant(
    'broken: operations hang while unavailable',
    'operations fail promptly under a fault',
    ['faults'],
    HangsWhileUnavailable,
    {
      faults: { boundMs: 1_000 },
    },
  ),
  variant(
    'broken: errors do not name the operation',
    'errors carry operation and key',
    ['errors'],
    ErrorsWithoutOperation,
  ),
  variant(
    'broken: healthCheck reports another backendType',
    'healthCheck().backendType equals backend.backendType',
    ['health'],
    HealthWrongBackendType,
  ),
  variant(
    'broken: reads come from a private per-instance copy',
    'instances on one store see each other',
    ['shared store'],
    PrivateReadCache,
  ),
  variant(
    'broken: keys(prefix) treats * as a wildcard',
    'prefixes are literal',
    ['key listing'],
    KeysPrefixIsGlob,
  ),
  variant(
    'broken: refreshTtl adds to the old ttl',
    'refreshTtl replaces the ttl',
    ['ttl inspection'],
    RefreshTtlAdds,
  ),
  variant(
    'broken: lock tokens are short counters',
    'tokens have >= 128 random bits',
    ['locks'],
    ShortLockTokens,
  ),
  caught(
    'a view over a detached ArrayBuffer is rejected with INVALID_VALUE',
    'broken: a detached value is stored as empty',
    'a view over a detached ArrayBuffer is INVALID_VALUE',
    ['values'],
    DetachedValueStoredEmpty,
  ),
  caught(
    'setMany with one invalid value (a detached view)',
    'broken: setMany writes the entries before a bad one',
    'setMany is all or nothing on validation',
    ['batch'],
    SetManyNotAllOrNothing,
  ),
  caught(
    'keys() with a lone-surrogate or non-string prefix',
    'broken: keys() accepts a lone-surrogate prefix',
    'a prefix is undefined or well-formed, else INVALID_ARGUMENT',
    ['key listing'],
    KeysAcceptLoneSurrogatePrefix,
  ),
  caught(
    'a seeded fuzz of',
    'broken: a Symbol key escapes as a raw TypeError',
    'every rejection is a BackendError',
    ['errors'],
    RawErrorForSymbolKey,
  ),
  caught(
    'a seeded fuzz of',
    'broken: a non-number ttl is an UNKNOWN error',
    'invalid input is classified PERMANENT, never UNKNOWN',
    ['errors'],
    UnknownForNonNumberTtl,
  ),
  caught(
    'an entry is still there late in its life',
    'broken: entries expire at half their ttl',
    'an entry never expires before its ttl',
    ['ttl'],
    SetExpiresEarly,
  ),
  caught(
    'a 0.4 ms ttl rounds up to 1 ms',
    'broken: set rounds a fractional ttl down',
    'fractional ttls round up',
    ['ttl'],
    SetRoundsFractionDown,
  ),
  caught(
    'after refreshTtl the entry is still there late',
    'broken: refreshTtl sets half the ttl',
    'a refreshed entry never expires before its new ttl',
    ['ttl inspection'],
    RefreshExpiresEarly,
  ),
  caught(
    'a refreshTtl of 0.4 ms rounds up',
    'broken: refreshTtl rounds a fractional ttl down',
    'fractional refresh ttls round up',
    ['ttl inspection'],
    RefreshRoundsFractionDown,
  ),
  caught(
    'setMany entries are still there late in their life',
    'broken: setMany entries expire at half their ttl',
    'a setMany entry never expires before its ttl',
    ['batch'],
    SetManyExpiresEarly,
  ),
  caught(
    'setMany entries are still there late in their life',
    'broken: setMany rounds fractional ttls down',
    'fractional setMany ttls round up',
    ['batch'],
    SetManyRoundsFractionDown,
  ),
  caught(
    'a lock is still held late in its ttl',
    'broken: locks lapse at half their ttl',
    'a lock is held until its ttl has passed',
    ['locks'],
    LockExpiresEarly,
  ),
  caught(
    '10,000 keys in one batch',
    'broken: setMany silently keeps only 1,000 entries',
    'a batch stores every entry',
    ['batch'],
    BatchCappedAtThousand,
  ),
  caught(
    'a setMany entry larger than maxValueBytes',
    'broken: setMany skips the value size check',
    'values above maxValueBytes are rejected on every write path',
    ['batch'],
    SetManyIgnoresMaxValue,
  ),
  caught(
    'keys that collide under naive escaping',
    'broken: / escaped as %2F without escaping %',
    'distinct keys stay distinct',
    ['keys'],
    NaiveSlashEscaping,
  ),
  caught(
    'after timed-out get, set and delete, the same backend keeps working',
    'broken: delete resolves false after a timeout',
    'a timeout leaves the backend working',
    ['timeouts'],
    DeleteBrokenAfterTimeout,
  ),
  caught(
    'seeded random sequences of every claimed operation',
    'broken: getTtl reports half the remaining time',
    'getTtl reports the remaining ms',
    ['model check'],
    GetTtlHalved,
  ),
  caught(
    'the same across two handles on a shared store',
    'broken: a private read cache (model check)',
    'what one handle writes the other reads',
    ['model check'],
    PrivateReadCache,
  ),
  {
    name: 'broken: VALUE_TOO_LARGE is not enforced',
    rule: 'values above maxValueBytes are rejected',
    groups: ['values'],
    make: (store, namespace) =>
      new ReferenceBackend(store, namespace, { maxValueBytes: NO_VALUE_LIMIT }),
  },
];
