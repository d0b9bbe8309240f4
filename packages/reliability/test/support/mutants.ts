import { assertValidPrefix, BackendError, type BatchEntry } from '@cachestack/core';
import { ReferenceBackend, ReferenceStore } from '@cachestack/test-support';
import { FUZZ_MAX_VALUE_BYTES, type FuzzTarget } from '../../src/fuzz-targets.js';

/**
 * test-support's ReferenceBackend, plus the `keys(prefix)` validation core's
 * contract now asks for (a prefix with a lone surrogate or of another type
 * is INVALID_ARGUMENT): the correct backend every mutant breaks one rule of.
 */
export class ContractReference extends ReferenceBackend {
  override keys(prefix?: string): AsyncIterable<string> {
    const inner = super.keys(prefix);
    return {
      async *[Symbol.asyncIterator]() {
        assertValidPrefix(prefix);
        yield* inner;
      },
    };
  }
}

/** Accepts a TTL of 0 or less as "no expiry" (Keyv's habit). */
class AcceptsZeroTtl extends ContractReference {
  override set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    return super.set(key, value, typeof ttlMs === 'number' && ttlMs <= 0 ? undefined : ttlMs);
  }
}

/** Writes a batch entry by entry, so a bad entry leaves the ones before it written. */
class PartialSetMany extends ContractReference {
  override async setMany(entries: readonly BatchEntry[]): Promise<void> {
    if (!Array.isArray(entries)) return super.setMany(entries);
    for (const entry of entries) await this.set(entry?.key, entry?.value, entry?.ttlMs);
  }
}

/** Lets a raw TypeError escape from `get` of an empty value. */
class RawErrorOnEmpty extends ContractReference {
  override async get(key: string): Promise<Uint8Array | undefined> {
    const value = await super.get(key);
    if (value?.byteLength === 0) throw new TypeError('Cannot read properties of undefined');
    return value;
  }
}

/** Rejects values over 1 KiB with an UNKNOWN error instead of storing them. */
class UnknownOnLarge extends ContractReference {
  override async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    if (
      value instanceof Uint8Array &&
      value.byteLength > 1024 &&
      value.byteLength <= FUZZ_MAX_VALUE_BYTES
    ) {
      throw new BackendError({
        type: 'UNKNOWN',
        code: 'UNKNOWN',
        message: 'boom',
        operation: 'set',
        key,
      });
    }
    return super.set(key, value, ttlMs);
  }
}

/** Reports 5 s more than the remaining TTL. */
class TtlTooLong extends ContractReference {
  override async getTtl(key: string): Promise<number | undefined> {
    const ttl = await super.getTtl(key);
    return ttl === undefined || ttl === Number.POSITIVE_INFINITY ? ttl : ttl + 5_000;
  }
}

function target(name: string, Backend: typeof ContractReference): FuzzTarget {
  return {
    name,
    create: async () => {
      const backend = new Backend(new ReferenceStore(), '', {
        maxValueBytes: FUZZ_MAX_VALUE_BYTES,
      });
      return { backend, dispose: () => backend.close() };
    },
  };
}

/** The correct reference backend as a fuzz target, with a peer instance on the same store. */
export const referenceTarget: FuzzTarget = {
  name: 'reference',
  create: async () => {
    const store = new ReferenceStore();
    const backend = new ContractReference(store, '', { maxValueBytes: FUZZ_MAX_VALUE_BYTES });
    const peer = new ContractReference(store, '', { maxValueBytes: FUZZ_MAX_VALUE_BYTES });
    return { backend, peer, dispose: () => backend.close() };
  },
};

/** Two instances that should share a store but do not (each has its own). */
const incoherentPeers: FuzzTarget = {
  name: 'keeps a peer instance on its own store',
  create: async () => {
    const backend = new ContractReference(new ReferenceStore(), '', {
      maxValueBytes: FUZZ_MAX_VALUE_BYTES,
    });
    const peer = new ContractReference(new ReferenceStore(), '', {
      maxValueBytes: FUZZ_MAX_VALUE_BYTES,
    });
    return { backend, peer, dispose: () => backend.close() };
  },
};

/** Backends that each break one rule, with the violation the fuzzer must report. */
export const MUTANTS = [
  { target: target('accepts TTL 0', AcceptsZeroTtl), kind: 'accepted-invalid' },
  { target: target('partial setMany', PartialSetMany), kind: 'changed-on-reject' },
  { target: target('raw TypeError', RawErrorOnEmpty), kind: 'unclassified' },
  { target: target('UNKNOWN on large values', UnknownOnLarge), kind: 'unknown' },
  { target: target('getTtl too long', TtlTooLong), kind: 'model-mismatch' },
  { target: incoherentPeers, kind: 'model-mismatch' },
] as const;
