import { InProcessLockTable } from '@cachestack/core';

/** One stored entry: a private copy of the bytes and its expiry (in the store's clock, ms). */
export interface ReferenceEntry {
  value: Uint8Array;
  expiresAt: number | undefined;
}

/** Options of {@link ReferenceStore}. */
export interface ReferenceStoreOptions {
  /**
   * The store's clock in ms, which every expiry is measured on. The default,
   * `Date.now()`, lets vitest fake timers move it; pass
   * `() => performance.now()` for a monotonic clock.
   * @default () => Date.now()
   */
  clock?: () => number;
}

/**
 * The "server" behind one or more {@link ReferenceBackend}s: entries and locks
 * per namespace, its clock, and the switches fault hooks flip. Backends on one
 * store and one namespace see each other, like two processes on one file.
 */
export class ReferenceStore {
  /** Entries per namespace. */
  readonly namespaces = new Map<string, Map<string, ReferenceEntry>>();
  /** Lock tables per namespace. */
  readonly lockTables = new Map<string, InProcessLockTable>();
  /** The clock every expiry of this store is measured on, in ms. */
  readonly clock: () => number;
  /** Extra latency added to every operation, in ms. */
  delayMs = 0;
  /** When true, every operation fails TRANSIENT `UNAVAILABLE`. */
  unavailable = false;

  constructor(options: ReferenceStoreOptions = {}) {
    this.clock = options.clock ?? (() => Date.now());
  }

  /** The entries of `namespace` (created empty on first use). */
  entries(namespace = ''): Map<string, ReferenceEntry> {
    let entries = this.namespaces.get(namespace);
    if (entries === undefined) {
      entries = new Map();
      this.namespaces.set(namespace, entries);
    }
    return entries;
  }

  /** The lock table of `namespace` (created empty on first use). */
  locks(namespace = ''): InProcessLockTable {
    let table = this.lockTables.get(namespace);
    if (table === undefined) {
      table = new InProcessLockTable();
      this.lockTables.set(namespace, table);
    }
    return table;
  }
}
